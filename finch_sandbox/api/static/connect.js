// Finch Connect, emulated: small enhancements only; every step works without this script.
(function () {
  "use strict";
  // Move focus to what needs attention (an error, a result), so screen readers announce it.
  var target = document.querySelector("[data-autofocus]");
  if (target) { target.focus(); }
  // Filter the provider list as the user types (the Search button does it server side).
  var input = document.querySelector("input[data-filter]");
  if (!input) { return; }
  var list = document.querySelector(input.getAttribute("data-filter"));
  var count = document.getElementById("provider-count");
  input.addEventListener("input", function () {
    var q = input.value.trim().toLowerCase();
    var shown = 0;
    list.querySelectorAll("li").forEach(function (li) {
      var match = !q || li.getAttribute("data-name").indexOf(q) !== -1;
      li.hidden = !match;
      if (match) { shown += 1; }
    });
    count.textContent = shown + (shown === 1 ? " provider" : " providers");
  });
})();
