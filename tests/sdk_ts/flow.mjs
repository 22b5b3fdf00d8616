// @ts-check
/**
 * An integration's flow through the official Finch TypeScript SDK (@tryfinch/finch-api),
 * pointed at a finch-sandbox server the way existing code is: by the environment alone
 * (FINCH_BASE_URL, FINCH_CLIENT_ID, FINCH_CLIENT_SECRET). It prints one JSON summary of what it
 * observed on stdout; tests/acceptance/test_typescript_sdk.py compares that summary with what
 * the server's data says. It checks nothing itself beyond what the SDK throws, so that a
 * wrong value shows in the test's assertion rather than as a crash here.
 *
 * Besides the Finch API it uses the emulator's control plane (/_finch-sandbox/, Basic auth) for
 * what Finch does elsewhere: registering its own webhook receiver and learning the signing
 * secret (Finch's Dashboard), and declaring a multi-entity connection (only Finch Connect makes
 * those on Finch).
 *
 * Run: FINCH_BASE_URL=http://127.0.0.1:4010 FINCH_CLIENT_ID=... FINCH_CLIENT_SECRET=... \
 *      node flow.mjs [employee_size]
 */
import http from 'node:http';

import Finch, { APIError } from '@tryfinch/finch-api';
import { VERSION } from '@tryfinch/finch-api/version';

const EMPLOYEES = Number(process.argv[2] ?? 7);
// Small pages, so that the directory is read through the SDK's auto-pagination.
const PAGE_SIZE = 3;
const PRODUCTS = [
  'company',
  'directory',
  'individual',
  'employment',
  'payment',
  'pay_statement',
  'benefits',
];

/**
 * @typedef {{method: string, path: string, query: string, status: number, retry: string | null}} Exchange
 * @typedef {{body: string, headers: Record<string, string>}} Delivery
 */

/** Every HTTP exchange the SDK made, in order (a retried request shows once per attempt). */
/** @type {Exchange[]} */
const exchanges = [];

/**
 * @param {string | URL | Request} input
 * @param {RequestInit} [init]
 * @returns {Promise<Response>}
 */
async function recordingFetch(input, init) {
  const response = await fetch(input, init);
  const url = new URL(input instanceof Request ? input.url : String(input));
  exchanges.push({
    method: (init?.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: decodeURIComponent(url.search),
    status: response.status,
    retry: new Headers(init?.headers).get('x-stainless-retry-count'),
  });
  return response;
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @template T
 * @param {() => Promise<T>} read
 * @param {(value: T) => boolean} done
 * @param {string} what
 * @returns {Promise<T>}
 */
async function until(read, done, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(50);
  }
}

/**
 * The typed error a call throws, as the test wants to see it.
 * @param {() => Promise<unknown>} call
 */
async function failure(call) {
  try {
    await call();
  } catch (err) {
    if (err instanceof APIError) {
      return {
        class: err.constructor.name,
        status: err.status ?? null,
        body: err.error ?? null,
        request_id: err.headers?.get('finch-request-id') ?? null,
      };
    }
    throw err;
  }
  throw new Error('the call succeeded; an error was expected');
}

/** A local webhook receiver, as an integration's backend has one. */
async function startReceiver() {
  /** @type {Delivery[]} */
  const deliveries = [];
  const server = http.createServer((req, res) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      /** @type {Record<string, string>} */
      const headers = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value;
      }
      deliveries.push({ body: Buffer.concat(chunks).toString('utf8'), headers });
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, deliveries, url: `http://127.0.0.1:${address.port}/finch-webhooks` };
}

/**
 * The emulator's control plane (not part of the Finch API, so not in the SDK).
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function control(method, path, body) {
  const auth = Buffer.from(`${process.env['FINCH_CLIENT_ID']}:${process.env['FINCH_CLIENT_SECRET']}`);
  const response = await fetch(`${process.env['FINCH_BASE_URL']}/_finch-sandbox${path}`, {
    method,
    headers: { authorization: `Basic ${auth.toString('base64')}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** YYYY-MM-DD */
const day = (/** @type {Date} */ date) => date.toISOString().slice(0, 10);

async function main() {
  const receiver = await startReceiver();
  try {
    await control('POST', '/webhooks/endpoints', { url: receiver.url });
    const { secret } = await control('GET', '/webhooks/secret');
    return await flow(receiver.deliveries, secret);
  } finally {
    // Also the server's idle keep-alive connections, so the process can exit at once.
    receiver.server.closeAllConnections();
    receiver.server.close();
  }
}

/**
 * @param {Delivery[]} deliveries
 * @param {string} secret
 */
async function flow(deliveries, secret) {
  // The application's client: client id and secret from the environment, default retries.
  const app = new Finch({ fetch: recordingFetch });
  const connection = await app.sandbox.connections.create({
    provider_id: 'gusto',
    authentication_type: 'credential',
    employee_size: EMPLOYEES,
    products: PRODUCTS,
  });
  const client = new Finch({ accessToken: connection.access_token, webhookSecret: secret, fetch: recordingFetch });

  const company = await client.hris.company.retrieve();

  const directory = [];
  for await (const person of client.hris.directory.list({ limit: PAGE_SIZE })) directory.push(person);
  const ids = directory.map((person) => person.id);

  const individuals = [];
  for await (const item of client.hris.individuals.retrieveMany({
    requests: ids.map((id) => ({ individual_id: id })),
  })) {
    individuals.push(item);
  }
  const employments = [];
  for await (const item of client.hris.employments.retrieveMany({
    requests: ids.map((id) => ({ individual_id: id })),
  })) {
    employments.push(item);
  }

  const now = new Date();
  const range = {
    start_date: `${now.getUTCFullYear() - 3}-01-01`,
    end_date: day(new Date(now.getTime() + 366 * 86_400_000)),
  };
  const payments = [];
  for await (const payment of client.hris.payments.list(range)) payments.push(payment);
  const latest = [...payments].sort((a, b) => String(b.pay_date).localeCompare(String(a.pay_date))).slice(0, 3);
  const payStatements = [];
  for await (const item of client.hris.payStatements.retrieveMany({
    requests: latest.map((payment) => ({ payment_id: payment.id })),
  })) {
    payStatements.push(item);
  }

  // Edit the provider side, then sync, then read the synced side again.
  const edited = ids[ids.length - 1];
  const update = await client.sandbox.individual.update(edited, { first_name: 'Typescript', middle_name: null });
  const added = await client.sandbox.directory.create({
    body: [{ first_name: 'Ada', last_name: 'Lovelace', title: 'Analyst' }],
  });
  const nameBeforeSync = await firstName(client, edited);
  const job = await client.sandbox.jobs.create({ type: 'data_sync_all' });
  /** @type {string[]} */
  const statuses = [];
  const finished = await until(
    async () => {
      const seen = await client.jobs.automated.retrieve(String(job.job_id));
      if (statuses[statuses.length - 1] !== seen.status) statuses.push(seen.status);
      return seen;
    },
    (seen) => !['pending', 'in_progress'].includes(seen.status),
    `job ${job.job_id}`,
  );
  const nameAfterSync = await firstName(client, edited);
  const directoryAfter = [];
  for await (const person of client.hris.directory.list({ limit: PAGE_SIZE })) directoryAfter.push(person);

  // Benefits: writes answer at once with a manual job that reports the outcome.
  const benefit = await client.hris.benefits.create({
    type: '401k',
    description: 'TypeScript 401(k)',
    frequency: 'every_paycheck',
  });
  const benefitJob = await manualJob(client, benefit.job_id);
  const enrollment = await client.hris.benefits.individuals.enrollMany(benefit.benefit_id, {
    individuals: [
      { individual_id: ids[0], configuration: { employee_deduction: { type: 'percent', amount: 500 } } },
    ],
  });
  const enrollmentJob = await manualJob(client, enrollment.job_id);
  const enrolled = await client.hris.benefits.individuals.enrolledIDs(benefit.benefit_id);
  const benefits = [];
  for await (const item of client.hris.benefits.list()) benefits.push(item);

  const introspection = await client.account.introspect();

  // The refresh quota: the sandbox job took one of the hour's refreshes, this takes the other,
  // the next (while it runs) is that same job, and once it is done the next is refused.
  const refresh = await client.jobs.automated.create({ type: 'data_sync_all' });
  const again = await client.jobs.automated.create({ type: 'data_sync_all' });
  await until(
    () => client.jobs.automated.retrieve(String(refresh.job_id)),
    (seen) => !['pending', 'in_progress'].includes(seen.status),
    `job ${refresh.job_id}`,
  );
  const rateLimited = await failure(() => client.jobs.automated.create({ type: 'data_sync_all' }));
  const automatedJobs = await client.jobs.automated.list();

  const errors = {
    unknown_job: await failure(() => client.jobs.automated.retrieve('6f1f4d43-7f2b-4f5c-9a4c-000000000000')),
    unknown_benefit: await failure(() => client.hris.benefits.retrieve('6f1f4d43-7f2b-4f5c-9a4c-000000000001')),
    bad_token: await failure(() =>
      new Finch({ accessToken: 'not-a-token', fetch: recordingFetch }).hris.company.retrieve(),
    ),
    bad_client_secret: await failure(() =>
      new Finch({ clientSecret: 'not-the-secret', fetch: recordingFetch }).sandbox.connections.create({
        provider_id: 'gusto',
      }),
    ),
    rate_limited: rateLimited,
  };

  const multiEntity = await entities(client, secret);

  // Webhooks: every delivery verified with the SDK, as the integration's handler would.
  const wanted = [
    `job.data_sync_all.completed:${job.job_id}`,
    `job.benefit_create.completed:${benefit.job_id}`,
    `job.benefit_enroll.completed:${enrollment.job_id}`,
    `individual.updated:${edited}`,
  ];
  await until(
    async () => deliveries.map((d) => key(JSON.parse(d.body))),
    (keys) => wanted.every((k) => keys.includes(k)),
    'webhooks',
  );
  const events = deliveries.map((d) => client.webhooks.unwrap(d.body, d.headers));
  const tampered = deliveries[0];
  let tamperedRefused = null;
  try {
    client.webhooks.verifySignature(tampered.body.replace('{', '{ '), tampered.headers);
  } catch (err) {
    tamperedRefused = String(err);
  }

  return {
    sdk_version: VERSION,
    connection: {
      connection_id: connection.connection_id,
      company_id: connection.company_id,
      access_token: connection.access_token,
      provider_id: connection.provider_id,
      products: connection.products,
    },
    company: { id: company.id, legal_name: company.legal_name, ein: company.ein },
    directory: directory.map((p) => ({ id: p.id, first_name: p.first_name, last_name: p.last_name })),
    individuals: individuals.map((r) => ({ individual_id: r.individual_id, code: r.code, body: r.body })),
    employments: employments.map((r) => ({ individual_id: r.individual_id, code: r.code, body: r.body })),
    payment_range: range,
    payments: payments.map((p) => ({ id: p.id, pay_date: p.pay_date, net_pay: p.net_pay })),
    pay_statements: payStatements.map((r) => ({
      payment_id: r.payment_id,
      code: r.code,
      individuals: 'pay_statements' in r.body ? (r.body.pay_statements ?? []).map((s) => s.individual_id) : [],
    })),
    edit: {
      individual_id: edited,
      update_response: update,
      added: added,
      first_name_before_sync: nameBeforeSync,
      first_name_after_sync: nameAfterSync,
      job: { created: job, statuses, final: finished },
      directory_after: directoryAfter.map((p) => ({ id: p.id, first_name: p.first_name, last_name: p.last_name })),
    },
    benefits: {
      created: benefit,
      create_job: benefitJob,
      enrollment,
      enroll_job: enrollmentJob,
      enrolled,
      listed: benefits.map((b) => ({ benefit_id: b.benefit_id, type: b.type, description: b.description })),
    },
    introspection,
    quota: { refresh, again, listed: automatedJobs },
    errors,
    multi_entity: multiEntity,
    webhooks: {
      secret_set: Boolean(secret),
      verified: events.map((event, i) => ({
        event_id: deliveries[i].headers['finch-event-id'],
        key: key(event),
      })),
      tampered_refused: tamperedRefused,
    },
    exchanges,
  };
}

/**
 * A multi-entity connection (declared through the control plane's scenario: the Finch API
 * cannot make one), read per entity: `entity_ids` goes in the query, also on POST reads.
 * @param {Finch} client
 * @param {string} secret
 */
async function entities(client, secret) {
  const token = `ts-multi-${crypto.randomUUID()}`;
  const [first, second] = [crypto.randomUUID(), crypto.randomUUID()];
  await control('POST', '/scenario', {
    connections: [
      {
        access_token: token,
        provider_id: 'gusto',
        employee_size: 3,
        products: ['company', 'directory', 'individual', 'employment'],
        entities: [{ id: first }, { id: second, employee_size: 2 }],
      },
    ],
  });
  const multi = client.withOptions({ accessToken: token, webhookSecret: secret });
  const people = [];
  for await (const person of multi.hris.directory.list({ entity_ids: [second] })) people.push(person.id);
  const company = await multi.hris.company.retrieve({ entity_ids: [second] });
  const individuals = [];
  for await (const item of multi.hris.individuals.retrieveMany({
    entity_ids: [second],
    requests: people.map((id) => ({ individual_id: id })),
  })) {
    individuals.push({ individual_id: item.individual_id, code: item.code });
  }
  return {
    access_token: token,
    entity_ids: [first, second],
    directory: people,
    company_id: company.id,
    individuals,
    no_entity: await failure(() => multi.hris.directory.list()),
  };
}

/**
 * @param {Finch} client
 * @param {string} id
 */
async function firstName(client, id) {
  for await (const item of client.hris.individuals.retrieveMany({ requests: [{ individual_id: id }] })) {
    return 'first_name' in item.body ? item.body.first_name : null;
  }
  return null;
}

/**
 * @param {Finch} client
 * @param {string} jobId
 */
function manualJob(client, jobId) {
  return until(
    () => client.jobs.manual.retrieve(jobId),
    (job) => job.status === 'complete' || job.status === 'error',
    `manual job ${jobId}`,
  );
}

/**
 * An event as "<event_type>:<the id it is about>".
 * @param {any} event
 */
function key(event) {
  const data = event.data ?? {};
  return `${event.event_type}:${data.job_id ?? data.individual_id ?? data.payment_id ?? event.connection_id}`;
}

main().then(
  (summary) => {
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  },
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    if (err instanceof APIError) process.stderr.write(`status ${err.status}: ${JSON.stringify(err.error)}\n`);
    const last = exchanges.slice(-15).map((e) => `  ${e.method} ${e.path}${e.query} -> ${e.status} (retry ${e.retry})`);
    process.stderr.write(`the last requests:\n${last.join('\n')}\n`);
    process.exitCode = 1;
  },
);
