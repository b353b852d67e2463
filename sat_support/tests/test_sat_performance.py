import functools
from unittest.mock import patch

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged, users
from odoo.tools import SQL

from .common import SatCommon


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


@tagged("post_install", "-at_install")
class TestSatWebClientQueries(HttpCase):
    """The list's and kanban's first page cost what the web client makes them cost:
    their fields are the specification the web client itself sends from Chromium
    (every column, hidden optional ones too, and what its widgets show), not a
    hand-written list. The page is a working one: an agent of two companies (the
    company column), following the cases as their responsible, a fifth of them
    with a to-do of theirs and a tenth with a colleague's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company_2 = env["res.company"].create({"name": "SAT Web Second Company"})
        companies = env.company | company_2
        cls.agent = new_test_user(
            env,
            login="sat_web_agent",
            groups="sat_support.group_sat_user,base.group_multi_company",
            company_ids=[Command.set(companies.ids)],
        )
        team = env["sat.team"].create(
            {"name": "Web Workshop", "member_ids": [Command.set(cls.agent.ids)]}
        )
        customers = env["res.partner"].create(
            [{"name": f"Web customer {i}", "is_company": True} for i in range(10)]
        )
        reporters = env["res.partner"].create(
            [
                {"name": f"Web reporter {i}", "parent_id": c.id}
                for i, c in enumerate(customers)
            ]
        )
        grinder = env["product.product"].create(
            {"name": "Web grinder", "is_storable": True, "tracking": "serial"}
        )
        lots = env["stock.lot"].create(
            [{"name": f"WEB-{i:03d}", "product_id": grinder.id} for i in range(20)]
        )
        category = env.ref("sat_support.sat_case_category_product_defect")
        cases = env["sat.case"].create(
            [
                {
                    "name": f"Web case {i}",
                    "partner_id": customers[i % 10].id,
                    "reporter_id": reporters[i % 10].id,
                    "product_id": grinder.id,
                    "lot_id": lots[i % 20].id,
                    "category_id": category.id,
                    "team_id": team.id,
                    "user_id": cls.agent.id,
                }
                for i in range(100)
            ]
        )
        colleague = new_test_user(
            env, login="sat_web_colleague", groups="sat_support.group_sat_user"
        )
        # mail.activity checks the cases of the colleague's to-dos first, alone.
        for case in cases[::5]:
            case.activity_schedule("mail.mail_activity_data_todo", user_id=cls.agent.id)
        for case in cases[2::10]:
            case.activity_schedule("mail.mail_activity_data_todo", user_id=colleague.id)

    def _web_search_reads(self, url, ready):
        """What the web client asked ``sat.case.web_search_read`` for, opening
        ``url`` as the agent."""
        calls = []
        Case = type(self.env["sat.case"])
        web_search_read = Case.web_search_read

        @functools.wraps(web_search_read)  # keeps @api.model for the RPC
        def record_call(records, domain, specification, **kwargs):
            calls.append((dict(records.env.context), domain, specification, kwargs))
            return web_search_read(records, domain, specification, **kwargs)

        with patch.object(Case, "web_search_read", record_call):
            self.browser_js(
                url, "console.log('test successful')", ready, login="sat_web_agent"
            )
        self.assertTrue(calls, "the web client read no case")
        return calls

    def _assert_first_page_queries(self, call, budget):
        context, domain, specification, kwargs = call
        Case = self.env["sat.case"].with_user(self.agent).with_context(**context)
        Case.web_search_read(domain, specification, **kwargs)  # a warm worker
        self.env.invalidate_all()
        with self.assertQueryCount(budget):
            result = Case.web_search_read(domain, specification, **kwargs)
        self.assertEqual(len(result["records"]), 80)
        return specification

    def test_list_first_page_as_the_web_client_reads_it(self):
        (call,) = self._web_search_reads(
            "/odoo/action-sat_support.sat_case_action?view_type=list",
            "document.querySelectorAll('.o_list_view .o_data_row').length === 80",
        )
        # Odoo's activity column (optional, hidden, read all the same) costs 2: the
        # activities and their types; their users are read with the contacts shown
        # (Odoo's own reads: 19 queries).
        specification = self._assert_first_page_queries(call, 14)
        # Hidden optional columns are read too; an always invisible relation is read
        # without its name.
        self.assertIn("date_closed", specification)
        self.assertIn("display_name", specification["company_id"]["fields"])
        self.assertEqual(specification["currency_id"], {"fields": {}})

    def test_kanban_first_column_as_the_web_client_reads_it(self):
        calls = self._web_search_reads(
            "/odoo/action-sat_support.sat_case_action",
            "document.querySelectorAll('.o_kanban_record:not(.o_kanban_ghost)').length"
            " === 80",
        )
        specification = self._assert_first_page_queries(calls[0], 11)
        self.assertIn("sla_status", specification)
