import io
from datetime import datetime

import openpyxl
from freezegun import freeze_time
from lxml import etree
from werkzeug.urls import url_decode

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.sat_support.tests.common import SatCommon, office_hours_calendar

MONDAY = datetime(2026, 1, 12, 8, 0)


def download(wizard):
    """What the browser downloads: the workbook the read-only route builds from the
    export's address alone (the replica may not have the wizard's row yet)."""
    action = wizard.action_export()
    path, query = action["url"].split("?", 1)
    assert path == "/sat_reports/export", path
    Wizard = wizard.env[wizard._name].browse()
    return Wizard._new_from_params(dict(url_decode(query)))._build_workbook()


class SatReportsCommon(SatCommon):
    """A crafted set of cases in a company of their own, so that every figure can be
    computed by hand: five cases of one team, a serial that fails again after 90 and
    after 91 days, supplies at a known cost, units delivered and returned."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pump.standard_price = 20.0
        cls.pump.with_company(cls.company_2).standard_price = 20.0
        cls.calendar = office_hours_calendar(
            cls.env, "Mon-Fri 8-17 UTC (reports)", company_id=cls.company_2.id
        )
        cls.company_2.resource_calendar_id = cls.calendar
        cls.team_c2 = cls.env["sat.team"].create(
            {
                "name": "Workshop Two",
                "company_id": cls.company_2.id,
                "member_ids": [Command.set(cls.sat_user_company_2.ids)],
            }
        )
        cls.defect = cls.env.ref("sat_support.sat_case_category_product_defect")
        cls.billing = cls.env.ref("sat_support.sat_case_category_billing")
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company_2.id)], limit=1
        )
        cls.env["stock.quant"].with_company(cls.company_2)._update_available_quantity(
            cls.pump, warehouse.lot_stock_id, 100
        )
        cls.lot_c2 = cls.env["stock.lot"].create(
            {
                "name": "RPT-0001",
                "product_id": cls.machine.id,
                "company_id": cls.company_2.id,
            }
        )

        def case(received, case_type, category, product, **values):
            with freeze_time(received):
                return cls._create_case(
                    company_id=cls.company_2.id,
                    team_id=cls.team_c2.id,
                    user_id=cls.sat_user_company_2.id,
                    date_received=received,
                    case_type=case_type,
                    category_id=category.id,
                    product_id=product.id,
                    **values,
                )

        cls.case_a = case(
            MONDAY,
            "warranty",
            cls.defect,
            cls.machine,
            lot_id=cls.lot_c2.id,
            solution="<p>Pump replaced</p>",
            line_ids=[Command.create({"product_id": cls.pump.id, "quantity": 2})],
        )
        with freeze_time(datetime(2026, 1, 14, 8, 0)):  # Wednesday 08:00
            cls.case_a.with_company(cls.company_2).action_close()
            cls.env.flush_all()
        cls.case_b = case(
            datetime(2026, 2, 2, 10, 0),
            "billable",
            cls.billing,
            cls.pump,
            line_ids=[Command.create({"product_id": cls.pump.id, "quantity": 1})],
        )
        cls.case_e = case(datetime(2026, 3, 2, 9, 0), "warranty", cls.defect, cls.pump)
        # 90 days after A: a repeat failure; 91 days after C: not one.
        cls.case_c = case(
            datetime(2026, 4, 12, 8, 0),
            "courtesy",
            cls.defect,
            cls.machine,
            lot_id=cls.lot_c2.id,
        )
        cls.case_d = case(
            datetime(2026, 7, 12, 8, 0),
            "warranty",
            cls.defect,
            cls.machine,
            lot_id=cls.lot_c2.id,
        )
        cls.cases = cls.case_a | cls.case_b | cls.case_c | cls.case_d | cls.case_e
        # 40 pumps delivered to customers, 10 returned: 30 sold.
        customers = cls.env.ref("stock.stock_location_customers")
        for source, dest, qty in (
            (warehouse.lot_stock_id, customers, 40),
            (customers, warehouse.lot_stock_id, 10),
        ):
            move = (
                cls.env["stock.move"]
                .with_company(cls.company_2)
                .create(
                    {
                        "name": "Sale",
                        "product_id": cls.pump.id,
                        "product_uom_qty": qty,
                        "location_id": source.id,
                        "location_dest_id": dest.id,
                        "company_id": cls.company_2.id,
                    }
                )
            )
            move._action_confirm()
            move.quantity = qty
            move.picked = True
            move._action_done()

    def _report(self, records):
        return self.env["sat.case.report"].search(
            [("case_id", "in", records.ids)], order="date_received"
        )


@tagged("post_install", "-at_install")
class TestSatReports(SatReportsCommon):
    def test_case_figures(self):
        # The customer's own message and an internal note are no answer; the first
        # public message of the team is, three hours after reception.
        with freeze_time(datetime(2026, 2, 2, 10, 30)):
            self.case_b.message_post(
                body="Any news?", message_type="comment", author_id=self.customer.id
            )
        with freeze_time(datetime(2026, 2, 2, 11, 0)):
            self.case_b.with_user(self.sat_user_company_2).message_post(
                body="Checking", subtype_xmlid="mail.mt_note"
            )
        for hour in (13, 15):  # the first answer counts, not the next one
            with freeze_time(datetime(2026, 2, 2, hour, 0)):
                self.case_b.with_user(self.sat_user_company_2).message_post(
                    body="We are on it",
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
        self.assertEqual(self.case_b.date_first_response, datetime(2026, 2, 2, 13, 0))
        self.env.flush_all()
        rows = self._report(self.cases)
        self.assertEqual(rows.mapped("nbr"), [1] * 5)
        row_a, row_b = rows[0], rows[1]
        self.assertEqual(row_a.hours_to_close, 48.0)
        # Monday and Tuesday 08:00-17:00; Wednesday 08:00 is the closing time.
        self.assertEqual(row_a.work_hours_to_close, 18.0)
        self.assertEqual(row_a.supplies_cost, 40.0, "2 pumps at a cost of 20")
        self.assertEqual(row_a.product_categ_id, self.machine.categ_id)
        self.assertEqual(row_b.hours_first_response, 3.0)
        self.assertFalse(row_b.hours_to_close, "still open")
        [[count, cost, to_close]] = self.env["sat.case.report"]._read_group(
            [("case_id", "in", self.cases.ids)],
            [],
            ["nbr:sum", "supplies_cost:sum", "hours_to_close:avg"],
        )
        self.assertEqual((count, cost, to_close), (5, 60.0, 48.0))

    def test_invoiced_paid_and_due(self):
        self.company.sat_invoice_on_close = True
        self.company.sat_invoice_auto_post = True
        case = self._create_solved_case([(self.service, 4)])  # 180.00 + 37.80 VAT
        case.action_close()
        action = case.action_register_payment()
        self.env[action["res_model"]].with_context(**action["context"]).create(
            {"amount": 108.9}
        )._create_payments()
        self.env.flush_all()
        row = self._report(case)
        # The amounts of the case and of its invoice, without and with tax.
        self.assertEqual(
            (
                row.amount_invoiced,
                row.amount_invoiced_total,
                row.amount_paid,
                row.amount_due,
            ),
            (180.0, 217.8, 108.9, 108.9),
        )
        self.assertEqual(row.amount_due, case.amount_residual)
        self.assertEqual(row.amount_invoiced_total, case.invoice_ids.amount_total)

    def test_grouped_invoice_as_on_the_cases(self):
        # One invoice for two cases, part paid: each row shows what its case shows,
        # and the rows add up to the invoice.
        self.company.sat_invoice_on_close = False
        cases = self._create_solved_case(
            [(self.service, 1)]
        ) | self._create_solved_case([(self.service, 3)])
        cases.action_close()
        self.env["sat.case.invoice.wizard"].with_context(
            active_model="sat.case", active_ids=cases.ids
        ).create({"grouped": True}).action_invoice()
        invoice = cases.invoice_ids
        invoice.action_post()
        action = cases[0].action_register_payment()
        self.env[action["res_model"]].with_context(**action["context"]).create(
            {"amount": 100.0}
        )._create_payments()
        self.env.flush_all()
        rows = self._report(cases).sorted(lambda row: row.case_id.id)
        self.assertEqual(rows.mapped("amount_due"), cases.mapped("amount_residual"))
        self.assertAlmostEqual(
            sum(rows.mapped("amount_due")), invoice.amount_residual, places=2
        )
        self.assertAlmostEqual(
            sum(rows.mapped("amount_invoiced_total")), invoice.amount_total, places=2
        )
        self.assertAlmostEqual(sum(rows.mapped("amount_paid")), 100.0, places=2)

    def test_units_sold_and_failure_rate(self):
        row = self.env["sat.product.failure.report"].search(
            [("company_id", "=", self.company_2.id), ("product_id", "=", self.pump.id)]
        )
        # The two pumps of case A's supplies left through the case's own delivery:
        # not a sale.
        self.assertEqual(row.qty_delivered, 30.0)
        self.assertEqual(row.qty_sold, 30.0)
        self.assertEqual(row.case_count, 2)
        self.assertAlmostEqual(row.failure_rate, 100 * 2 / 30)

    def test_units_invoiced_in_another_unit(self):
        # Two dozen pumps invoiced, six credited: 18 pumps sold, for one case.
        self._create_case(product_id=self.pump.id)
        for move_type, qty, uom in (
            ("out_invoice", 2, self.env.ref("uom.product_uom_dozen")),
            ("out_refund", 6, self.pump.uom_id),
        ):
            self.env["account.move"].create(
                {
                    "move_type": move_type,
                    "partner_id": self.customer.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.pump.id,
                                "quantity": qty,
                                "product_uom_id": uom.id,
                                "price_unit": 50.0,
                            }
                        )
                    ],
                }
            ).action_post()
        self.env.flush_all()
        row = self.env["sat.product.failure.report"].search(
            [("company_id", "=", self.company.id), ("product_id", "=", self.pump.id)]
        )
        self.assertEqual((row.qty_invoiced, row.qty_sold), (18.0, 18.0))
        self.assertAlmostEqual(row.failure_rate, 100 / 18)

    def test_repeat_failures_at_the_window_edge(self):
        repeats = self.env["sat.repeat.failure.report"].search(
            [("lot_id", "=", self.lot_c2.id)]
        )
        self.assertEqual(repeats.case_id, self.case_c, "90 days: in; 91 days: out")
        self.assertEqual(repeats.previous_case_id, self.case_a)
        self.assertEqual(repeats.days_between, 90)
        self.company_2.sat_repeat_window_days = 91
        self.env.invalidate_all()
        repeats = self.env["sat.repeat.failure.report"].search(
            [("lot_id", "=", self.lot_c2.id)]
        )
        self.assertEqual(repeats.case_id, self.case_c | self.case_d)
        with self.assertRaises(ValidationError):
            self.company_2.sat_repeat_window_days = 0
            self.env.flush_all()

    def test_customer_rating(self):
        # One case rated 5, another 1; the unrated ones are no zero in the average.
        self.case_a.rating_apply(5, token=self.case_a._rating_get_access_token())
        self.case_b.rating_apply(1, token=self.case_b._rating_get_access_token())
        self.env.flush_all()
        rows = self._report(self.cases)
        self.assertEqual(rows.mapped("rating")[:3], [5.0, 1.0, 0.0])
        [[average]] = self.env["sat.case.report"]._read_group(
            [("case_id", "in", self.cases.ids)], [], ["rating:avg"]
        )
        self.assertEqual(average, 3.0)

    def test_repeat_failures_under_warranty(self):
        # 3 months from 2026-01-10 (to April 9): case C (April 12) is past it, case
        # D (July 12) too; 5 months from 2026-02-01 (to June 30): C is covered, D not.
        self.lot_c2.product_id.sat_warranty_months = 3
        self.lot_c2.sat_warranty_start = "2026-01-10"
        self.company_2.sat_repeat_window_days = 91
        Repeats = self.env["sat.repeat.failure.report"]
        covered = [("lot_id", "=", self.lot_c2.id), ("under_warranty", "=", True)]
        self.env.flush_all()
        self.assertFalse(Repeats.search(covered))
        self.lot_c2.product_id.sat_warranty_months = 5
        self.lot_c2.sat_warranty_start = "2026-02-01"
        self.env.flush_all()
        self.assertEqual(Repeats.search(covered).case_id, self.case_c)

    def test_category_pareto(self):
        rows = self.env["sat.category.pareto.report"].search(
            [("company_id", "=", self.company_2.id)]
        )
        self.assertEqual(rows.category_id, self.defect | self.billing)
        self.assertEqual(rows.mapped("case_count"), [4, 1])
        self.assertEqual(rows.mapped("share"), [80.0, 20.0])
        self.assertEqual(rows.mapped("cumulative_share"), [80.0, 100.0])

    def test_cancelled_cases_are_no_failures(self):
        """A duplicate, cancelled, counts in no root cause: not in the Pareto, the
        cases per unit sold, the repeat failures or the workbook's root causes."""
        cancelled = self.env.ref("sat_support.sat_case_stage_cancelled")
        with freeze_time(datetime(2026, 4, 13, 8, 0)):
            duplicate = self._create_case(
                company_id=self.company_2.id,
                team_id=self.team_c2.id,
                date_received=datetime(2026, 4, 13, 8, 0),
                category_id=self.billing.id,
                product_id=self.pump.id,
                lot_id=False,
            )
        machine_duplicate = self._create_case(
            company_id=self.company_2.id,
            team_id=self.team_c2.id,
            date_received=datetime(2026, 4, 14, 8, 0),
            product_id=self.machine.id,
            lot_id=self.lot_c2.id,
        )
        (duplicate | machine_duplicate).write({"stage_id": cancelled.id})
        self.env.flush_all()
        rows = self.env["sat.category.pareto.report"].search(
            [("company_id", "=", self.company_2.id)]
        )
        self.assertEqual(rows.mapped("case_count"), [4, 1])
        pump = self.env["sat.product.failure.report"].search(
            [("company_id", "=", self.company_2.id), ("product_id", "=", self.pump.id)]
        )
        self.assertEqual(pump.case_count, 2)
        repeats = self.env["sat.repeat.failure.report"].search(
            [("lot_id", "=", self.lot_c2.id)]
        )
        self.assertNotIn(machine_duplicate, repeats.case_id)
        self.assertNotIn(
            machine_duplicate.reference, repeats.mapped("previous_reference")
        )

    def test_nothing_sold_reads_na_and_no_category_is_named(self):
        self._create_case(
            company_id=self.company_2.id,
            team_id=self.team_c2.id,
            product_id=self.grinder.id,
        )
        self.env.flush_all()
        grinder = self.env["sat.product.failure.report"].search(
            [
                ("company_id", "=", self.company_2.id),
                ("product_id", "=", self.grinder.id),
            ]
        )
        self.assertEqual(grinder.qty_sold, 0)
        self.assertEqual(grinder.failure_rate_label, "n/a")
        pump = self.env["sat.product.failure.report"].search(
            [("company_id", "=", self.company_2.id), ("product_id", "=", self.pump.id)]
        )
        self.assertEqual(pump.failure_rate_label, "6.67")
        rows = self.env["sat.category.pareto.report"].search(
            [("company_id", "=", self.company_2.id)]
        )
        self.assertEqual(
            rows.mapped("category_name"),
            ["Product Defect", "Billing Incident", "No category"],
        )

    def test_pareto_of_a_period_is_the_views_query(self):
        """The workbook's Pareto for a period comes from the same query as the
        list and the graph: all time, the same rows; a period, its own cases."""
        Pareto = self.env["sat.category.pareto.report"]
        rows = Pareto.search([("company_id", "=", self.company_2.id)])
        company = [("company_id", "=", self.company_2.id), ("is_cancel", "=", False)]
        self.assertEqual(
            Pareto._get_rows(company),
            [
                (
                    row.category_name,
                    row.case_count,
                    row.share / 100,
                    row.cumulative_share / 100,
                )
                for row in rows
            ],
        )
        march = Pareto._get_rows(
            [
                *company,
                ("date_received", ">=", "2026-03-01"),
                ("date_received", "<", "2026-04-01"),
            ]
        )
        self.assertEqual(march, [("Product Defect", 1, 1.0, 1.0)])
        # A SAT user's workbook counts the cases that user may see, none here.
        self.assertEqual(Pareto.with_user(self.sat_user)._get_rows(company), [])
        self.assertEqual(
            Pareto.with_user(self.sat_user_company_2)._get_rows(company)[0][:2],
            ("Product Defect", 4),
        )
        # The list's "Of a Period" opens the cumulative curve of the filtered cases.
        arch = etree.fromstring(
            Pareto.get_views([(False, "list")])["views"]["list"]["arch"]
        )
        [button] = arch.xpath("//header/button")
        action = self.env["ir.actions.act_window"].browse(int(button.get("name")))
        self.assertEqual(action.res_model, "sat.case.report")
        graph = self.env["sat.case.report"].get_views(
            [(action.view_ids[0].view_id.id, "graph")]
        )["views"]["graph"]["arch"]
        self.assertIn('cumulated="1"', graph)
        self.assertIn('order="desc"', graph)

    def test_access(self):
        case_team = self._create_case(team_id=self.team.id)
        case_team_2 = self._create_case(team_id=self.team_2.id)
        both = case_team | case_team_2
        Report = self.env["sat.case.report"]
        self.assertEqual(
            Report.with_user(self.sat_user)
            .search([("case_id", "in", both.ids)])
            .case_id,
            case_team,
        )
        self.assertEqual(
            Report.with_user(self.sat_manager)
            .search([("case_id", "in", both.ids)])
            .case_id,
            both,
        )
        # Other companies' figures stay there.
        self.assertFalse(
            Report.with_user(self.sat_manager).search(
                [("case_id", "in", self.cases.ids)]
            )
        )
        with self.assertRaises(AccessError):
            self.env["sat.product.failure.report"].with_user(self.sat_user).search([])
        # The figures of exactly the cases the user sees in the list: one pattern.
        followed = self._create_case(team_id=self.team_2.id)
        followed.message_subscribe(partner_ids=self.sat_user.partner_id.ids)
        unassigned = self._create_case(team_id=False)
        seen = self.env["sat.case"].with_user(self.sat_user).search([])
        self.assertIn(followed, seen)
        self.assertIn(unassigned, seen)
        self.assertNotIn(case_team_2, seen)
        self.assertEqual(
            Report.with_user(self.sat_user).search([]).case_id,
            seen & Report.search([]).case_id,
        )
        open_for_user = Report.with_user(self.sat_user).search_count(
            [("is_closed", "=", False)]
        )
        self.assertEqual(self._dashboard(self.sat_user).open_count, open_for_user)
        self.assertLess(open_for_user, self._dashboard(self.sat_manager).open_count)

    def _dashboard(self, user):
        Dashboard = self.env["sat.report.dashboard"].with_user(user)
        return Dashboard.browse(Dashboard.action_open_dashboard()["res_id"])

    def test_dashboard_counts_what_is_due_on_closed_cases(self):
        self.company.write(
            {"sat_invoice_on_close": True, "sat_invoice_auto_post": True}
        )
        before = self._dashboard(self.sat_manager).amount_due
        case = self._create_solved_case([(self.service, 2)])
        case.action_close()
        self.assertTrue(case.is_closed)
        self.assertGreater(case.amount_residual, 0)
        self.env.flush_all()
        after = self._dashboard(self.sat_manager).amount_due
        row = self.env["sat.case.report"].search([("case_id", "=", case.id)])
        self.assertGreater(row.amount_due, 0)
        self.assertAlmostEqual(after - before, row.amount_due, places=2)

    def test_dashboard_reads_a_dash_when_nothing_was_measured(self):
        with freeze_time("2099-06-01"):
            dashboard = self._dashboard(self.sat_manager)
            self.assertFalse(dashboard.has_first_response)
            self.assertFalse(dashboard.has_hours_to_close)
        arch = self.env["sat.report.dashboard"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        self.assertIn("–", arch)

    def test_dashboard_data_for_the_client_action(self):
        data = self.env["sat.report.dashboard"].with_user(self.sat_manager)
        data = data.get_dashboard_data()
        kpis = {kpi["name"]: kpi for kpi in data["kpis"]}
        dashboard = self._dashboard(self.sat_manager)
        self.assertEqual(kpis["open_count"]["value"], dashboard.open_count)
        self.assertEqual(len(data["months"]), 12)
        self.assertEqual(
            sorted(serie["label"] for serie in data["per_month"]),
            ["Billable", "Courtesy", "Warranty"],
        )
        self.assertEqual(
            sum(data["per_team"]["data"]), dashboard.open_count, "every open case"
        )
        with freeze_time("2099-06-01"):
            data = (
                self.env["sat.report.dashboard"]
                .with_user(self.sat_manager)
                .get_dashboard_data()
            )
        kpis = {kpi["name"]: kpi for kpi in data["kpis"]}
        self.assertEqual(kpis["hours_first_response"]["value"], "–")
        # Every card opens its analysis.
        record = self.env["sat.report.dashboard"]
        for kpi in kpis.values():
            action = getattr(record.with_user(self.sat_manager), kpi["action"])()
            self.assertEqual(action["res_model"], "sat.case.report")

    def test_dashboard(self):
        dashboard = self._dashboard(self.sat_manager)
        [[open_count]] = (
            self.env["sat.case.report"]
            .with_user(self.sat_manager)
            ._read_group([("is_closed", "=", False)], [], ["nbr:sum"])
        )
        [[due]] = (
            self.env["sat.case.report"]
            .with_user(self.sat_manager)
            ._read_group([], [], ["amount_due:sum"])
        )
        self.assertEqual(dashboard.open_count, open_count)
        self.assertEqual(dashboard.amount_due, due)
        graph = dashboard.action_open_graph()
        self.assertEqual(graph["res_model"], "sat.case.report")
        self.assertEqual(graph["views"][0][1], "graph")
        self.assertEqual(dashboard.action_open_pivot()["views"][0][1], "pivot")
        self.assertEqual(
            dashboard.action_open_breached()["context"][
                "search_default_filter_breached"
            ],
            1,
        )

    def test_free_cases_filter(self):
        """Warranty and courtesy cases, and only them, are the free ones."""
        Report = self.env["sat.case.report"].with_user(self.sat_manager)
        free = Report.search([("is_billable", "=", False)])
        billable = Report.search([("is_billable", "!=", False)])
        self.assertEqual(set(free.mapped("case_type")), {"warranty", "courtesy"})
        self.assertEqual(set(billable.mapped("case_type")), {"billable"})
        self.assertEqual(free | billable, Report.search([]))


@tagged("post_install", "-at_install")
class TestSatReportExport(SatReportsCommon):
    def _export(self, **values):
        wizard = (
            self.env["sat.report.export.wizard"]
            .with_context(tz="Europe/Madrid")
            .create(
                {
                    "date_from": "2026-01-01",
                    "date_to": "2026-12-31",
                    "team_ids": [Command.set(self.team_c2.ids)],
                    **values,
                }
            )
        )
        return openpyxl.load_workbook(io.BytesIO(download(wizard)))

    def test_workbook(self):
        book = self._export()
        self.assertEqual(
            book.sheetnames,
            [
                "Summary",
                "By Product",
                "By Category",
                "By Team",
                "By Customer",
                "By Month",
                "Root Causes",
                "Cases",
            ],
        )
        summary = {
            row[0].value: row[1].value for row in book["Summary"].iter_rows(min_row=6)
        }
        self.assertEqual(summary["# Cases"], 5)
        self.assertEqual(summary["Supplies Cost"], 60.0)
        self.assertEqual(summary["Hours to Close"], 48.0)
        self.assertEqual(summary["SLA breached per case"], "=IF(B6=0,0,B11/B6)")
        self.assertEqual(
            summary["Share of the invoiced amount paid"], "=IF(B14=0,0,B15/B14)"
        )
        self.assertIn("Invoiced (untaxed)", summary)
        self.assertEqual(summary["Customer Rating"], "–", "nothing rated: no 0")
        self.assertIn("Invoiced (tax incl.)", summary)

        months = book["By Month"]
        self.assertEqual(months.freeze_panes, "A2")
        self.assertEqual(months["A1"].value, "By Month")
        self.assertEqual(months["B1"].value, "# Cases")
        self.assertEqual(
            [months.cell(row, 1).value for row in range(2, 7)],
            ["2026-01", "2026-02", "2026-03", "2026-04", "2026-07"],
        )
        self.assertEqual(months["B7"].value, "=SUM(B2:B6)")
        self.assertEqual(len(months._charts), 1)
        self.assertEqual(len(book["By Team"]._charts), 1, "the pie")

        causes = book["Root Causes"]
        pareto = [
            [cell.value for cell in row]
            for row in causes.iter_rows(min_row=3, max_row=4, max_col=4)
        ]
        self.assertEqual(
            pareto, [["Product Defect", 4, 0.8, 0.8], ["Billing Incident", 1, 0.2, 1.0]]
        )
        self.assertEqual(len(causes._charts), 1, "the Pareto chart")
        # Columns of cases, with the cumulative share as a line on a 0-100 % axis.
        column, line = causes._charts[0]._charts
        self.assertEqual((column.tagname, line.tagname), ("barChart", "lineChart"))
        self.assertEqual(column.series[0].val.numRef.f, "'Root Causes'!$B$3:$B$4")
        self.assertEqual(line.series[0].val.numRef.f, "'Root Causes'!$D$3:$D$4")
        self.assertEqual(line.y_axis.scaling.max, 1)
        self.assertNotEqual(line.y_axis.axId, column.y_axis.axId, "its own axis")
        values = [cell.value for row in causes.iter_rows() for cell in row]
        self.assertIn("RPT-0001", values)
        self.assertIn(90, values)

        cases = book["Cases"]
        self.assertEqual(cases.max_row, 6)
        self.assertEqual(cases.auto_filter.ref, "A1:Y6")
        self.assertEqual(cases["A1"].value, "Reference")
        self.assertEqual(
            sorted(cases.cell(row, 1).value for row in range(2, 7)),
            sorted(self.cases.mapped("reference")),
        )
        # Local time, as the months of "By Month": Madrid is UTC+1 in January.
        self.assertEqual(cases["C2"].value, datetime(2026, 1, 12, 9, 0))
        self.assertEqual(book["Summary"]["B4"].value, "Europe/Madrid")

    def test_workbook_in_spanish(self):
        # A manager who works in Spanish gets a workbook in Spanish: sheet names
        # (at most 31 characters in Excel), titles and headers.
        self.env["res.lang"]._activate_lang("es_ES")
        self.env["ir.module.module"].search(
            [("name", "in", ("sat_support", "sat_reports"))]
        )._update_translations(["es_ES"])
        self.env = self.env(context=dict(self.env.context, lang="es_ES"))
        book = self._export()
        self.assertEqual(
            book.sheetnames,
            [
                "Resumen",
                "Por producto",
                "Por categoría",
                "Por equipo",
                "Por cliente",
                "Por mes",
                "Causas raíz",
                "Casos",
            ],
        )
        self.assertEqual(book["Resumen"]["A2"].value, "Desde")
        self.assertEqual(book["Casos"]["A1"].value, "Referencia")
        self.assertEqual(book["Causas raíz"]["A3"].value, "Defecto del producto")

    def test_selected_cases_only(self):
        # Action > Export Statistics to Excel on a selection in the case list.
        selection = self.case_a | self.case_c
        defaults = (
            self.env["sat.report.export.wizard"]
            .with_context(active_model="sat.case", active_ids=selection.ids)
            .default_get(["case_ids"])
        )
        self.assertEqual(defaults["case_ids"], [Command.set(selection.ids)])
        book = self._export(case_ids=defaults["case_ids"])
        self.assertEqual(book["Cases"].max_row, 3)
        # The address names the export, not its cases (a selection can be thousands),
        # and the export is its maker's alone.
        Wizard = self.env["sat.report.export.wizard"]
        wizard = Wizard.create(
            {
                "date_from": "2026-01-01",
                "date_to": "2026-12-31",
                "case_ids": [Command.set(selection.ids)],
            }
        )
        url = wizard.action_export()["url"]
        self.assertEqual(url, f"/sat_reports/export?export_id={wizard.id}")
        with self.assertRaisesRegex(UserError, "no longer available"):
            Wizard.with_user(self.sat_manager)._new_from_params(
                {"export_id": wizard.id}
            )
        with self.assertRaisesRegex(UserError, "not valid"):
            Wizard._new_from_params({"export_id": "1 OR 1"})

    def test_empty_period_and_bad_input(self):
        with self.assertRaisesRegex(UserError, "No support case"):
            self._export(date_from="2025-01-01", date_to="2025-12-31")
        with self.assertRaisesRegex(UserError, "at least one case type"):
            self._export(
                include_warranty=False, include_courtesy=False, include_billable=False
            )
        with self.assertRaises(ValidationError):
            self._export(date_from="2026-12-31", date_to="2026-01-01")
        # An address edited by hand: a clear error, no traceback.
        Wizard = self.env["sat.report.export.wizard"]
        for params in (
            {"date_from": "2026-01-01", "date_to": "2026-12-31", "team_ids": "1,x"},
            {"date_from": "someday", "date_to": "2026-12-31"},
            {"date_to": "2026-12-31"},
        ):
            with self.assertRaises(UserError, msg=params):
                Wizard._new_from_params(params)

    def test_query_count(self):
        wizard = self.env["sat.report.export.wizard"].create(
            {"date_from": "2026-01-01", "date_to": "2026-12-31"}
        )
        wizard.team_ids = self.team_c2
        wizard._build_workbook()  # warm the caches
        self.env.invalidate_all()
        # Grouped reads for the breakdowns, chunks for the case list: the count does
        # not grow with the cases, their customers or their products (one more for
        # the Pareto of the failures, cancelled cases left out).
        with self.assertQueryCount(33):
            wizard._build_workbook()
        for i in range(5):
            self.case_e.copy(
                {
                    "partner_id": self.env["res.partner"].create({"name": f"C{i}"}).id,
                    "product_id": self.grinder.id if i % 2 else self.service.id,
                }
            )
        self.env.flush_all()
        self.env.invalidate_all()
        # Five more cases of five new customers: the names of the new customers and
        # products are read together (4 queries more), not once per case.
        with self.assertQueryCount(37):
            book = openpyxl.load_workbook(io.BytesIO(wizard._build_workbook()))
        self.assertEqual(book["Cases"].max_row, 11, "the 10 cases and their header")


@tagged("post_install", "-at_install")
class TestSatReportRights(SatCommon):
    """An export is its maker's; a repeat failure whose previous case is another
    team's still reads and exports."""

    def test_export_belongs_to_its_maker_and_survives_hidden_cases(self):
        with freeze_time("2026-03-02 09:00:00"):
            hidden = self._create_case(
                name="Team 2's secret",
                team_id=self.team_2.id,
                lot_id=self.lot.id,
                date_received="2026-03-02 09:00:00",
            )
        with freeze_time("2026-03-20 09:00:00"):
            mine = self._create_case(
                name="Fails again",
                team_id=self.team.id,
                lot_id=self.lot.id,
                date_received="2026-03-20 09:00:00",
            )
        repeat = (
            self.env["sat.repeat.failure.report"]
            .with_user(self.sat_user)
            .search([("case_id", "=", mine.id)])
        )
        self.assertEqual(repeat.previous_reference, hidden.reference)
        with self.assertRaises(AccessError):
            hidden.with_user(self.sat_user).read(["name"])
        wizard = (
            self.env["sat.report.export.wizard"]
            .with_user(self.sat_user)
            .create({"date_from": "2026-01-01", "date_to": "2026-12-31"})
        )
        workbook = openpyxl.load_workbook(io.BytesIO(download(wizard)))
        cells = {
            cell.value
            for sheet in workbook.worksheets
            for row in sheet.iter_rows()
            for cell in row
        }
        self.assertIn(hidden.reference, cells)
        self.assertNotIn(hidden.name, " ".join(str(c) for c in cells))
        # Nothing is stored: the file is the downloader's only.
        self.assertFalse(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", wizard._name), ("res_id", "=", wizard.id)]
            )
        )
