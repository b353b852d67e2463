import io

import openpyxl
from psycopg2.errors import ReadOnlySqlTransaction

from odoo import api
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestSatReportsReadOnly(HttpCase):
    """The statistics are read on a read-only cursor, which Odoo opens on the read
    replica when one is configured (``db_replica_host``): nothing in them writes.
    A write there would fail, and Odoo would retry on the primary with a warning."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "sat_replica_manager",
            groups="sat_support.group_sat_manager",
            name="Rosa Replica",
        )
        customer = cls.env["res.partner"].create(
            {"name": "Replica Bakery", "is_company": True}
        )
        cls.oven = cls.env["sat.case"].create(
            {"name": "Oven stops", "partner_id": customer.id, "case_type": "billable"}
        )
        cls.env["sat.case"].create(
            {"name": "Mixer hums", "partner_id": customer.id, "case_type": "billable"}
        )

    def test_dashboard_and_workbook_on_a_readonly_cursor(self):
        with self.registry.cursor(readonly=True) as cr:
            self.assertTrue(cr.readonly)
            env = api.Environment(cr, self.manager.id, {})
            data = env["sat.report.dashboard"].get_dashboard_data()
            open_cases = next(k for k in data["kpis"] if k["name"] == "open_count")
            self.assertGreaterEqual(open_cases["value"], 1)
            wizard = env["sat.report.export.wizard"]._new_from_params(
                {
                    "date_from": "2000-01-01",
                    "date_to": "2099-12-31",
                    "case_types": "warranty,courtesy,billable",
                }
            )
            book = openpyxl.load_workbook(io.BytesIO(wizard._build_workbook()))
            self.assertIn("Oven stops", [c.value for c in book["Cases"]["B"]])

    def test_a_selection_not_yet_on_the_replica_is_read_on_the_primary(self):
        """An export just saved may not be on the replica yet: its row is asked for
        with a lock, which a read-only cursor refuses; Odoo then answers the request
        on the primary (``ReadOnlySqlTransaction`` is its signal)."""
        refused = None
        with self.registry.cursor(readonly=True) as cr:
            env = api.Environment(cr, self.manager.id, {})
            # Caught by hand: Odoo's assertRaises adds a savepoint of its own on the
            # test's other cursor, which the read-only one shares.
            try:
                with mute_logger("odoo.sql_db"):
                    env["sat.report.export.wizard"]._new_from_params(
                        {"export_id": "999999999"}
                    )
            except ReadOnlySqlTransaction as error:
                refused = error
        self.assertIsInstance(refused, ReadOnlySqlTransaction)

    def test_browser_calls_take_the_readonly_path(self):
        self.assertTrue(
            self.env.registry["sat.report.dashboard"].get_dashboard_data._readonly
        )
        self.authenticate("sat_replica_manager", "sat_replica_manager")
        with self.assertNoLogs("odoo.http", "WARNING"):
            data = self.make_jsonrpc_request(
                "/web/dataset/call_kw/sat.report.dashboard/get_dashboard_data",
                {
                    "model": "sat.report.dashboard",
                    "method": "get_dashboard_data",
                    "args": [],
                    "kwargs": {},
                },
            )
            self.assertTrue(data["kpis"])
            # The pivot and the graph: Odoo's read-only grouped read.
            groups = self.make_jsonrpc_request(
                "/web/dataset/call_kw/sat.case.report/web_read_group",
                {
                    "model": "sat.case.report",
                    "method": "web_read_group",
                    "args": [[], ["nbr:sum"], ["team_id"]],
                    "kwargs": {},
                },
            )
            self.assertTrue(groups["groups"])
            wizard = self.env["sat.report.export.wizard"].with_user(self.manager)
            wizard = wizard.create({"date_from": "2000-01-01", "date_to": "2099-12-31"})
            answer = self.url_open(wizard.action_export()["url"])
        self.assertEqual(answer.status_code, 200)
        self.assertIn("spreadsheetml", answer.headers["Content-Type"])
        self.assertIn("support-statistics", answer.headers["Content-Disposition"])
        book = openpyxl.load_workbook(io.BytesIO(answer.content))
        self.assertIn("Oven stops", [c.value for c in book["Cases"]["B"]])
        # The cases selected in the list: the address names the export.
        selection = wizard.create(
            {
                "date_from": "2000-01-01",
                "date_to": "2099-12-31",
                "case_ids": [(6, 0, self.oven.ids)],
            }
        )
        with self.assertNoLogs("odoo.http", "WARNING"):
            answer = self.url_open(selection.action_export()["url"])
        self.assertEqual(answer.status_code, 200)
        book = openpyxl.load_workbook(io.BytesIO(answer.content))
        self.assertEqual(
            [c.value for c in book["Cases"]["B"]][1:],
            ["Oven stops"],
            "only the selection",
        )
