"""End to end with the Python client generated from /api/openapi.json (openapi-python-client).

Run by scripts/openapi-check.sh with RAPPORT_BASE, RAPPORT_TOKEN and the generated package
`rapport_client` on PYTHONPATH. Every answer is read through the generated types.
"""

import datetime
import os
import uuid

from rapport_client import AuthenticatedClient
from rapport_client.api.clients import create_client, create_contact
from rapport_client.api.promises import create_promise
from rapport_client.api.requests import add_request_message, create_request, get_request, list_requests
from rapport_client.models import (
    CalendarSpec,
    ClientEtiquette,
    ClientModel,
    ContactEtiquette,
    Direction,
    Finding,
    LintRule,
    MadePromise,
    Message,
    NewClient,
    NewContact,
    NewMessage,
    NewPromise,
    NewRequest,
    Problem,
    PromiseKind,
    Request,
    RequestList,
    Tone,
)


def check(cond: bool, what: str) -> None:
    if not cond:
        raise SystemExit(f"e2e.py: {what}")


def main() -> None:
    api = AuthenticatedClient(base_url=os.environ["RAPPORT_BASE"], token=os.environ["RAPPORT_TOKEN"])
    run = uuid.uuid4().hex[:8]

    # A client whose calendar is always open (the lint then has no quiet-hours finding to give
    # at any hour) and who asked never to be written "cheers".
    r = create_client.sync_detailed(
        client=api,
        body=NewClient(
            name=f"E2E Python {run}",
            calendar=CalendarSpec(tz="Europe/London", hours=["mon-sun 00:00-24:00"]),
            etiquette=ClientEtiquette(tone=Tone.FORMAL, avoid=["cheers"]),
        ),
    )
    check(r.status_code == 201 and isinstance(r.parsed, ClientModel), f"create client: {r.status_code} {r.content!r}")
    client = r.parsed
    check(isinstance(client.calendar, CalendarSpec) and client.calendar.tz == "Europe/London", "typed calendar")
    check(isinstance(client.etiquette, ClientEtiquette) and client.etiquette.avoid == ["cheers"], "typed etiquette")

    r = create_contact.sync_detailed(
        client=api,
        body=NewContact(
            client_id=client.id,
            name="Priya Mehta",
            email=f"priya-{run}@e2e.example",
            etiquette=ContactEtiquette(preferred_name="Priya"),
        ),
        idempotency_key=f"contact-{run}",
    )
    check(r.status_code == 201, f"create contact: {r.status_code} {r.content!r}")
    contact = r.parsed

    r = create_request.sync_detailed(
        client=api,
        body=NewRequest(client_id=client.id, contact_id=contact.id, title="Export the Q3 figures"),
    )
    check(r.status_code == 201 and isinstance(r.parsed, Request), f"create request: {r.status_code} {r.content!r}")
    request = r.parsed

    # A reply using a form the client avoids: refused with typed findings, nothing sent.
    body = "Dear Priya,\n\nthe export is attached. Cheers!\n\nKind regards"
    r = add_request_message.sync_detailed(
        request.id, client=api, body=NewMessage(direction=Direction.OUTBOUND, body=body)
    )
    check(r.status_code == 409 and isinstance(r.parsed, Problem), f"unconfirmed reply: {r.status_code} {r.content!r}")
    findings = r.parsed.findings
    check(isinstance(findings, list) and len(findings) > 0, f"findings: {findings!r}")
    check(all(isinstance(f, Finding) for f in findings), "typed findings")
    avoided = [f for f in findings if f.rule == LintRule.AVOIDED_FORM]
    check(len(avoided) == 1, f"an avoided-form finding: {findings!r}")
    check(body[avoided[0].start : avoided[0].end].lower() == "cheers", "the finding's span")

    # Confirmed: it goes.
    r = add_request_message.sync_detailed(
        request.id,
        client=api,
        body=NewMessage(direction=Direction.OUTBOUND, body=body, confirm_findings=True),
    )
    check(r.status_code == 201 and isinstance(r.parsed, Message), f"confirmed reply: {r.status_code} {r.content!r}")
    check(r.parsed.direction == Direction.OUTBOUND, "the reply is outbound")

    due = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(days=7)
    r = create_promise.sync_detailed(
        client=api,
        body=NewPromise(request_id=request.id, kind=PromiseKind.DELIVERY, description="The Q3 export", due_at=due),
    )
    check(r.status_code == 201 and isinstance(r.parsed, MadePromise), f"promise: {r.status_code} {r.content!r}")
    check(r.parsed.due_at == due and r.parsed.request_id == request.id, "the promise as made")

    # Two more requests, then the client's book of work two at a time.
    made = {request.id}
    for title in ("Fix the totals", "Add a chart"):
        r = create_request.sync_detailed(client=api, body=NewRequest(client_id=client.id, title=title))
        check(r.status_code == 201, f"create request: {r.status_code}")
        made.add(r.parsed.id)
    seen: list[int] = []
    pages = 0
    cursor = None
    while True:
        kwargs = {"cursor": cursor} if cursor else {}
        r = list_requests.sync_detailed(client=api, client_id=client.id, limit=2, **kwargs)
        check(r.status_code == 200 and isinstance(r.parsed, RequestList), f"list: {r.status_code} {r.content!r}")
        pages += 1
        seen += [item.id for item in r.parsed.items]
        cursor = r.parsed.next_cursor if isinstance(r.parsed.next_cursor, str) else None
        if cursor is None:
            break
        check(pages < 10, "the cursor ends")
    check(pages == 2 and len(seen) == 3 and set(seen) == made, f"pages {pages}, seen {seen}, made {made}")

    # A typed 404.
    r = get_request.sync_detailed(2_000_000_000, client=api)
    check(r.status_code == 404 and isinstance(r.parsed, Problem), f"404: {r.status_code} {r.content!r}")
    check(r.parsed.status == 404 and r.parsed.type_.endswith("/not-found"), f"the problem: {r.parsed!r}")

    print("e2e.py: client, contact, request, 409 with findings then confirmed, promise, 2 pages, 404: ok")


if __name__ == "__main__":
    main()
