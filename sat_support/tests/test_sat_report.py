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
        # Even for an administrator of a company whose layout was never configured,
        # Print prints: no layout dialog first.
        self.company.external_report_layout_id = False
        self.company.write({"street": "1 Roaster Lane", "city": "Vigo"})
        action = case.with_user(self.env.ref("base.user_admin")).action_print()
        self.assertEqual(action["type"], "ir.actions.report")
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
            # The letterhead, in the page itself: wkhtmltopdf drops separate headers.
            self.company.name,
            "1 Roaster Lane",
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
