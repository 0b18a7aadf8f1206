// End to end with the TypeScript client generated from /api/openapi.json: types from
// openapi-typescript (schema.d.ts, generated beside this file), calls through openapi-fetch.
// Run by scripts/openapi-check.sh (type-checked with `tsc --strict`, then run with node) with
// RAPPORT_BASE and RAPPORT_TOKEN set.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

declare const process: { env: Record<string, string | undefined>; exit(code: number): never };

type Finding = components["schemas"]["Finding"];
type Problem = components["schemas"]["Problem"];

function check(cond: boolean, what: string): asserts cond {
  if (!cond) {
    console.error(`e2e.ts: ${what}`);
    process.exit(1);
  }
}

function must<T>(data: T | undefined, error: unknown, what: string): T {
  check(data !== undefined, `${what}: ${JSON.stringify(error)}`);
  return data;
}

const api = createClient<paths>({
  baseUrl: process.env.RAPPORT_BASE!,
  headers: { Authorization: `Bearer ${process.env.RAPPORT_TOKEN}` },
});
const run = Math.random().toString(16).slice(2, 10);

// A client whose calendar is always open (no quiet-hours finding at any hour) and who asked
// never to be written "cheers".
const madeClient = await api.POST("/api/v1/clients", {
  body: {
    name: `E2E TypeScript ${run}`,
    calendar: { tz: "Europe/London", hours: ["mon-sun 00:00-24:00"] },
    etiquette: { tone: "formal", avoid: ["cheers"] },
  },
});
const client = must(madeClient.data, madeClient.error, "create client");
check(madeClient.response.status === 201, "201 for a new client");
check(client.calendar.tz === "Europe/London", "typed calendar");
check(client.etiquette.avoid?.[0] === "cheers", "typed etiquette");

const madeContact = await api.POST("/api/v1/contacts", {
  params: { header: { "Idempotency-Key": `contact-${run}` } },
  body: {
    client_id: client.id,
    name: "Priya Mehta",
    email: `priya-${run}@e2e.example`,
    etiquette: { preferred_name: "Priya" },
  },
});
const contact = must(madeContact.data, madeContact.error, "create contact");

const madeRequest = await api.POST("/api/v1/requests", {
  body: { client_id: client.id, contact_id: contact.id, title: "Export the Q3 figures" },
});
const request = must(madeRequest.data, madeRequest.error, "create request");

// A reply using a form the client avoids: refused with typed findings, nothing sent.
const body = "Dear Priya,\n\nthe export is attached. Cheers!\n\nKind regards";
const refused = await api.POST("/api/v1/requests/{id}/messages", {
  params: { path: { id: request.id } },
  body: { direction: "outbound", body },
});
check(refused.response.status === 409, `unconfirmed reply: ${refused.response.status}`);
const problem: Problem | undefined = refused.error;
check(problem !== undefined, "a problem body");
const findings: Finding[] = problem.findings ?? [];
const avoided = findings.filter((f) => f.rule === "avoided_form");
check(avoided.length === 1, `an avoided-form finding: ${JSON.stringify(findings)}`);
const span = avoided[0]!;
check(body.slice(span.start, span.end).toLowerCase() === "cheers", "the finding's span");

// Confirmed: it goes.
const sent = await api.POST("/api/v1/requests/{id}/messages", {
  params: { path: { id: request.id } },
  body: { direction: "outbound", body, confirm_findings: true },
});
const message = must(sent.data, sent.error, "confirmed reply");
check(message.direction === "outbound", "the reply is outbound");

const due = new Date(Date.now() + 7 * 24 * 3600 * 1000);
due.setUTCMilliseconds(0);
const promised = await api.POST("/api/v1/promises", {
  body: { request_id: request.id, kind: "delivery", description: "The Q3 export", due_at: due.toISOString() },
});
const promise = must(promised.data, promised.error, "promise");
check(Date.parse(promise.due_at) === due.getTime() && promise.request_id === request.id, "the promise as made");

// Two more requests, then the client's book of work two at a time.
const made = new Set<number>([request.id]);
for (const title of ["Fix the totals", "Add a chart"]) {
  const r = await api.POST("/api/v1/requests", { body: { client_id: client.id, title } });
  made.add(must(r.data, r.error, "create request").id);
}
const seen: number[] = [];
let pages = 0;
let cursor: string | undefined;
do {
  const page = await api.GET("/api/v1/requests", {
    params: { query: { client_id: client.id, limit: 2, cursor } },
  });
  const list = must(page.data, page.error, "list requests");
  pages += 1;
  seen.push(...list.items.map((item) => item.id));
  cursor = list.next_cursor ?? undefined;
  check(pages < 10, "the cursor ends");
} while (cursor !== undefined);
check(
  pages === 2 && seen.length === 3 && seen.every((id) => made.has(id)),
  `pages ${pages}, seen ${seen}, made ${[...made]}`,
);

// A typed 404.
const missing = await api.GET("/api/v1/requests/{id}", { params: { path: { id: 2_000_000_000 } } });
check(missing.response.status === 404 && missing.data === undefined, `404: ${missing.response.status}`);
const notFound: Problem | undefined = missing.error;
check(notFound?.status === 404 && notFound.type.endsWith("/not-found"), `the problem: ${JSON.stringify(notFound)}`);

console.log("e2e.ts: client, contact, request, 409 with findings then confirmed, promise, 2 pages, 404: ok");
