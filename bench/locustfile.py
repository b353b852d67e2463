"""The load test of scripts/scale.sh: the users of the product at once, over HTTP, as
the web client and the portal call Odoo (JSON-RPC, the portal's pages), while mails
are delivered to the customers' mailboxes and the cron workers fetch them.

Run by ``bash scripts/scale.sh load [SECONDS]``; its figures go to bench/RESULTS.md.
"""

import imaplib
import itertools
import os
import random
import re
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from locust import HttpUser, User, between, constant, events, task
from views import WEB_CONTEXT, view_spec

DB = os.environ.get("SAT_SCALE_DB", "sat_scale")
OCA_DB = os.environ.get("SAT_SCALE_OCA_DB", f"{DB}_oca")
IMAP_PORT = int(os.environ.get("SAT_SCALE_IMAP_PORT", "8243"))
SCALE_DIR = Path(__file__).resolve().parent.parent / ".run" / "scale"
MAILBOXES = 50
PASSWORD = "scale-secret"
_numbers = itertools.count(1)

# The case form: what the cards show, and more.
CASE_SPEC = {
    name: {}
    for name in (
        "reference",
        "name",
        "priority",
        "case_type",
        "color",
        "date_deadline",
        "is_closed",
        "sla_status",
        "sla_time_left",
        "activity_ids",
    )
} | {
    name: {"fields": {"display_name": {}}}
    for name in ("partner_id", "user_id", "product_id", "lot_id", "category_id")
}
FORM_SPEC = (
    CASE_SPEC
    | {
        name: {}
        for name in (
            "date_received",
            "date_closed",
            "sla_deadline",
            "amount_total",
            "amount_residual",
            "payment_state",
            "symptom_text",
            "category_origin",
        )
    }
    | {
        name: {"fields": {"display_name": {}}}
        for name in ("stage_id", "team_id", "reporter_id", "company_id", "currency_id")
    }
    | {
        name: {}
        for name in (
            "symptom",
            "diagnosis",
            "solution",
            "warranty_info",
            "invoice_status",
        )
    }
    | {
        "line_ids": {
            "fields": {
                "product_id": {"fields": {"display_name": {}}},
                "quantity": {},
                "price_unit": {},
                "price_subtotal": {},
            }
        },
        "sla_ids": {"fields": {"status": {}, "deadline": {}}},
    }
)


class OdooUser(HttpUser):
    abstract = True
    db = DB
    prefix = "SAT"

    def view_specs(self, model):
        """The list's and the kanban's specifications, from the views as the web
        client loads them."""
        views = self.call(
            model,
            "get_views",
            [[[False, "list"], [False, "kanban"]]],
            {"options": {}},
            name=f"{self.prefix} views",
        )
        if not views:
            return {"display_name": {}}, {"display_name": {}}
        return view_spec(views, "list"), view_spec(views, "kanban")

    def login(self, login):
        response = self.client.post(
            "/web/session/authenticate",
            json={"params": {"db": self.db, "login": login, "password": login}},
            name=f"{self.prefix} login",
        )
        self.uid = response.json()["result"]["uid"]

    def call(self, model, method, args, kwargs=None, name=None):
        with self.client.post(
            f"/web/dataset/call_kw/{model}/{method}",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": {"context": WEB_CONTEXT, **(kwargs or {})},
                },
            },
            name=name or f"{model}.{method}",
            catch_response=True,
        ) as response:
            data = response.json() if response.ok else {}
            if "error" in data:
                error = data["error"]["data"]
                if error.get("name") == "odoo.exceptions.UserError":
                    # The product's own refusal, e.g. a case another agent closed
                    # meanwhile: what a user reads in a dialog, not a failure.
                    response.success()
                    events.request.fire(
                        request_type="refused",
                        name=f"{name} (refused)",
                        response_time=0,
                        response_length=0,
                        exception=None,
                        context={},
                    )
                else:
                    response.failure(error.get("message", "error"))
                return None
            return data.get("result")

    def json(self, path, params, name):
        with self.client.post(
            path,
            json={"jsonrpc": "2.0", "method": "call", "params": params},
            name=name,
            catch_response=True,
        ) as response:
            data = response.json() if response.ok else {}
            if "error" in data:
                response.failure(data["error"]["data"].get("message", "error"))
            return data.get("result")


class Agent(OdooUser):
    """A SAT user at work: kanban, lists and filters, cases opened, answered, moved
    and closed with a supply."""

    weight = 6
    wait_time = between(1, 3)

    def on_start(self):
        self.login(f"agent{random.randint(1, 20):02d}")
        self.case_ids = []
        self.list_spec, self.kanban_spec = self.view_specs("sat.case")
        self.stages = (
            self.call(
                "sat.case.stage",
                "search_read",
                [[], ["id", "is_closed", "sequence"]],
                name="SAT stages",
            )
            or []
        )
        parts = self.call(
            "product.product",
            "search",
            [[("default_code", "=like", "SCALE-P-%")]],
            name="SAT parts",
        )
        self.parts = parts or []

    @task(4)
    def kanban(self):
        self.call(
            "sat.case",
            "web_read_group",
            [[("is_closed", "=", False)], ["stage_id"], ["stage_id"]],
            {"lazy": True, "limit": 80},
            name="SAT kanban: columns",
        )
        first = next((s["id"] for s in self.stages if not s["is_closed"]), None)
        result = self.call(
            "sat.case",
            "web_search_read",
            [[("stage_id", "=", first)], self.kanban_spec],
            {"limit": 40, "order": "priority desc, date_received desc, id desc"},
            name="SAT kanban: first column",
        )
        if result:
            self.case_ids = [record["id"] for record in result["records"]]

    @task(4)
    def list_and_filters(self):
        name, domain = random.choice(
            [
                ("SAT list: first page", []),
                ("SAT list: mine", [("user_id", "=", self.uid)]),
                ("SAT list: breached", [("sla_status", "=", "breached")]),
                ("SAT list: at risk", [("sla_status", "=", "at_risk")]),
            ]
        )
        result = self.call(
            "sat.case",
            "web_search_read",
            [domain, self.list_spec],
            {"limit": 80, "count_limit": 10001},
            name=name,
        )
        if result and result["records"]:
            self.case_ids = [r["id"] for r in result["records"] if not r["is_closed"]]

    def _case(self):
        return random.choice(self.case_ids) if self.case_ids else None

    @task(3)
    def open_form(self):
        case = self._case()
        if case:
            self.call("sat.case", "web_read", [[case], FORM_SPEC], name="SAT case form")
            self.json(
                "/mail/thread/messages",
                {"thread_model": "sat.case", "thread_id": case, "limit": 30},
                name="SAT case form: messages",
            )

    @task(1)
    def answer(self):
        case = self._case()
        if case:
            self.json(
                "/mail/message/post",
                {
                    "thread_model": "sat.case",
                    "thread_id": case,
                    "post_data": {
                        "body": "We are looking into it.",
                        "message_type": "comment",
                        "subtype_xmlid": "mail.mt_comment",
                    },
                },
                name="SAT answer the customer",
            )

    @task(1)
    def change_stage(self):
        case = self._case()
        stages = [s["id"] for s in self.stages if not s["is_closed"]]
        if case and stages:
            self.call(
                "sat.case",
                "web_save",
                [[case], {"stage_id": random.choice(stages)}],
                {"specification": {"stage_id": {}}},
                name="SAT change stage",
            )

    @task(1)
    def supply_and_close(self):
        case = self._case()
        if case and self.parts:
            saved = self.call(
                "sat.case",
                "web_save",
                [
                    [case],
                    {
                        "solution": "<p>Pump replaced.</p>",
                        "line_ids": [
                            [
                                0,
                                0,
                                {
                                    "product_id": random.choice(self.parts),
                                    "quantity": 1,
                                },
                            ]
                        ],
                    },
                ],
                {"specification": {"is_closed": {}}},
                name="SAT add a supply",
            )
            if saved:
                self.call("sat.case", "action_close", [[case]], name="SAT close")
                self.case_ids.remove(case)


class Manager(OdooUser):
    """A SAT manager: the pivot, the dashboard, a month exported."""

    weight = 1
    wait_time = between(3, 8)

    def on_start(self):
        self.login(f"manager{random.randint(1, 2):02d}")

    @task(3)
    def pivot(self):
        self.call(
            "sat.case.report",
            "web_read_group",
            [
                [],
                ["nbr:sum", "hours_to_close:avg", "sla_breached:sum"],
                ["team_id", "date_received:month"],
            ],
            {"lazy": False},
            name="SAT pivot team x month (replica)",
        )

    @task(2)
    def dashboard(self):
        self.call(
            "sat.report.dashboard",
            "get_dashboard_data",
            [],
            name="SAT dashboard (replica)",
        )

    @task(1)
    def export_month(self):
        today = time.strftime("%Y-%m-%d")
        start = time.strftime("%Y-%m-01")
        wizard = self.call(
            "sat.report.export.wizard",
            "create",
            [{"date_from": start, "date_to": today}],
            name="SAT export: wizard",
        )
        if wizard:
            action = self.call(
                "sat.report.export.wizard",
                "action_export",
                [[wizard]],
                name="SAT export: check",
            )
            if action:
                self.client.get(action["url"], name="SAT export a month (replica)")


class PortalCustomer(OdooUser):
    """A customer's contact on the portal: the list of cases, one case, an answer."""

    weight = 3
    wait_time = between(2, 6)

    def on_start(self):
        self.login(f"portal{random.randint(1, 50):02d}")
        self.case_ids = []

    @task(3)
    def my_cases(self):
        page = self.client.get("/my/cases", name="Portal: my cases")
        self.case_ids = [int(i) for i in re.findall(r"/my/cases/(\d+)", page.text)]

    @task(2)
    def one_case(self):
        if self.case_ids:
            case = random.choice(self.case_ids)
            self.client.get(f"/my/cases/{case}", name="Portal: a case")

    @task(1)
    def answer(self):
        if self.case_ids:
            self.json(
                "/mail/message/post",
                {
                    "thread_model": "sat.case",
                    "thread_id": random.choice(self.case_ids),
                    "post_data": {
                        "body": "Thank you, it happened again today.",
                        "message_type": "comment",
                        "subtype_xmlid": "mail.mt_comment",
                    },
                },
                name="Portal: answer",
            )


class OcaAgent(OdooUser):
    """The same kanban and list on OCA helpdesk_mgmt's 100,000 tickets."""

    weight = 3
    wait_time = between(1, 3)
    db = OCA_DB
    prefix = "OCA"

    def on_start(self):
        self.login(f"agent{random.randint(1, 20):02d}")
        self.stages = (
            self.call("helpdesk.ticket.stage", "search", [[]], name="OCA stages") or []
        )
        self.list_spec, self.kanban_spec = self.view_specs("helpdesk.ticket")

    @task(4)
    def kanban(self):
        self.call(
            "helpdesk.ticket",
            "web_read_group",
            [[], ["stage_id"], ["stage_id"]],
            {"lazy": True, "limit": 80},
            name="OCA kanban: columns",
        )
        if self.stages:
            self.call(
                "helpdesk.ticket",
                "web_search_read",
                [[("stage_id", "=", self.stages[0])], self.kanban_spec],
                {"limit": 40},
                name="OCA kanban: first column",
            )

    @task(4)
    def list_first_page(self):
        self.call(
            "helpdesk.ticket",
            "web_search_read",
            [[], self.list_spec],
            {"limit": 80, "count_limit": 10001},
            name="OCA list: first page",
        )


class MailDelivery(User):
    """Customers writing: a mail into one of the 50 mailboxes every few seconds."""

    weight = 1
    fixed_count = 1
    wait_time = constant(3)

    def on_start(self):
        self.counter = SCALE_DIR / f"delivered-{os.getpid()}-{id(self)}"
        self.delivered = 0

    @task
    def deliver(self):
        number = random.randint(1, MAILBOXES)
        login = f"customer{number:02d}"
        mail = EmailMessage()
        mail["From"] = f"Contact {number:02d} <contact@{login}.example>"
        mail["To"] = f"{login}@support.example"
        mail["Subject"] = f"Load test fault {next(_numbers)}"
        mail["Date"] = formatdate()
        mail["Message-Id"] = make_msgid(domain=f"{login}.example")
        mail.set_content("The machine shows error E12 again.")
        start = time.perf_counter()
        error = None
        try:
            client = imaplib.IMAP4("127.0.0.1", IMAP_PORT)
            client.login(login, PASSWORD)
            client.append(
                "INBOX", "", imaplib.Time2Internaldate(time.time()), mail.as_bytes()
            )
            # Counted before the logout: Locust may stop this user there, and the
            # mail is in the mailbox all the same.
            self.delivered += 1
            self.counter.write_text(str(self.delivered))
            client.logout()
        except (OSError, imaplib.IMAP4.error) as exc:
            error = exc
        events.request.fire(
            request_type="IMAP",
            name="Mail delivered to a mailbox",
            response_time=(time.perf_counter() - start) * 1000,
            response_length=0,
            exception=error,
            context={},
        )
