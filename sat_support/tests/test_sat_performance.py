from odoo import Command
from odoo.tests import tagged, users
from odoo.tools import SQL

from .common import SatCommon

KANBAN_SPEC = {
    "reference": {},
    "name": {},
    "case_type": {},
    "priority": {},
    "is_closed": {},
    "color": {},
    "date_deadline": {},
    "activity_state": {},
    "partner_id": {"fields": {"display_name": {}}},
    "product_id": {"fields": {"display_name": {}}},
    "lot_id": {"fields": {"display_name": {}}},
    "category_id": {"fields": {"display_name": {}}},
    "user_id": {"fields": {"display_name": {}}},
    "stage_id": {"fields": {"display_name": {}}},
    "activity_ids": {"fields": {}},
    "sla_status": {},
    "sla_time_left": {},
}


@tagged("post_install", "-at_install")
class TestSatPerformance(SatCommon):
    """Query counts on the hot paths: later changes cannot make them quietly worse."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partners = cls.env["res.partner"].create(
            [{"name": f"Perf customer {i}", "is_company": True} for i in range(10)]
        )
        lots = cls.env["stock.lot"].create(
            [{"name": f"PERF-{i:03d}", "product_id": cls.machine.id} for i in range(20)]
        )
        cls.env["sat.case"].create(
            [
                {
                    "name": f"Perf case {i}",
                    "partner_id": partners[i % 10].id,
                    "lot_id": lots[i % 20].id,
                    "team_id": cls.team.id,
                    "user_id": cls.sat_user.id,
                    "category_id": cls.env.ref(
                        "sat_support.sat_case_category_product_defect"
                    ).id,
                    "line_ids": [Command.create({"product_id": cls.pump.id})],
                }
                for i in range(100)
            ]
        )

    @users("sat_user")
    def test_query_count_create_case(self):
        Case = self.env["sat.case"]
        values = {
            "name": "Perf create",
            "partner_id": self.customer.id,
            "lot_id": self.lot.id,
            "team_id": self.team.id,
            "user_id": self.sat_user.id,
            "line_ids": [Command.create({"product_id": self.pump.id})],
        }
        Case.create(dict(values))  # warm the caches
        self.env.invalidate_all()
        # With its supply, SLA, assignment notification, its opening message (subtype
        # Case Opened: its followers are looked up), the portal link of the
        # notification and, when sat_mail_gateway is installed, the customer mailbox
        # look-up of that notification.
        with self.assertQueryCount(sat_user=85):
            Case.create(dict(values))
            self.env.flush_all()

    @users("sat_user")
    def test_first_page_read_in_index_order(self):
        """The list's and kanban's first page, in the cases' order, is read from an
        index: nothing to sort, however many cases there are (with sorting switched
        off, PostgreSQL would still sort if no index gave that order)."""
        Case = self.env["sat.case"]
        query = Case._search([], limit=80, order=Case._order)
        self.env.cr.execute("SET LOCAL enable_sort = off")
        self.env.cr.execute("SET LOCAL enable_incremental_sort = off")
        self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("sat_case_priority_date_received_id_index", plan)
        self.assertNotIn("Sort", plan)

    @users("sat_user")
    def test_query_count_kanban_first_page(self):
        Case = self.env["sat.case"]
        domain = [("team_id", "=", self.team.id)]
        Case.web_search_read(domain, KANBAN_SPEC, limit=80)
        self.env.invalidate_all()
        with self.assertQueryCount(sat_user=16):
            result = Case.web_search_read(domain, KANBAN_SPEC, limit=80)
        self.assertEqual(len(result["records"]), 80)


@tagged("post_install", "-at_install")
class TestSatInvoicingPerformance(SatCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.sat_invoice_on_close = False
        cls.cases = cls.env["sat.case"].create(
            [
                {
                    "name": f"Invoice perf {i}",
                    "partner_id": cls.customer.id,
                    "solution": "<p>Done</p>",
                    "line_ids": [
                        Command.create({"product_id": cls.service.id, "quantity": 2}),
                        Command.create({"product_id": cls.pump.id}),
                    ],
                }
                for i in range(101)
            ]
        )
        cls.cases.action_close()

    def test_query_count_invoice_one_case(self):
        self.cases[0]._create_invoices()  # warm the caches
        self.env.invalidate_all()
        with self.assertQueryCount(__system__=75):
            invoice = self.cases[1]._create_invoices()
            self.env.flush_all()
        self.assertEqual(len(invoice.invoice_line_ids), 2)

    def test_query_count_invoice_batch_of_100(self):
        self.cases[0]._create_invoices()  # warm the caches
        self.env.invalidate_all()
        # About ten queries a case: creating the invoices is batched.
        with self.assertQueryCount(__system__=1070):
            invoices = self.cases[1:]._create_invoices()
            self.env.flush_all()
        self.assertEqual(len(invoices), 100)
