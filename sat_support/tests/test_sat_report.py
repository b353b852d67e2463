import io

from PyPDF2 import PdfReader

from odoo import Command
from odoo.tests import tagged

from .common import SatCommon


@tagged("post_install", "-at_install")
class TestSatCaseSheet(SatCommon):
    def test_case_sheet_pdf(self):
        case = self._create_case(
            name="Pump noise",
            lot_id=self.lot.id,
            reporter_id=self.contact.id,
            diagnosis="<p>Worn pump bearing</p>",
            solution="<p>Replaced the pump</p>",
            line_ids=[Command.create({"product_id": self.pump.id, "quantity": 2})],
        )
        action = case.with_user(self.sat_user).action_print()
        self.assertEqual(action["report_name"], "sat_support.report_sat_case")
        report = self.env.ref("sat_support.sat_case_report_action")
        pdf, fmt = report.with_context(force_report_rendering=True)._render_qweb_pdf(
            report, case.ids
        )
        self.assertEqual(fmt, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        reader = PdfReader(io.BytesIO(pdf))
        text = " ".join(page.extract_text() for page in reader.pages)
        text = " ".join(text.split())
        for expected in (
            case.reference,
            "Cafetería Sol",
            "Ana Barista",
            "Test Espresso Machine",
            "TST-0001",
            "Water under the machine",
            "Worn pump bearing",
            "Replaced the pump",
            "Test Pump",
            "158.51",  # 2 x 65.50 + 21% VAT
        ):
            self.assertIn(expected, text)
