from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import SatCommon


@tagged("post_install", "-at_install")
class TestSatAfterSales(SatCommon):
    """Return, refund and replacement started from a case, each through Odoo's own
    documents, each linked to the case and noted in its chatter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A SAT user who also works in the warehouse and in invoicing: the buttons'
        # groups.
        cls.agent = new_test_user(
            cls.env,
            "sat_after_sales",
            groups="sat_support.group_sat_user,stock.group_stock_user,"
            "account.group_account_invoice",
            name="Alba After-sales",
        )

    def _case(self):
        return self._create_case(
            lot_id=self.lot.id, product_id=self.machine.id, case_type="warranty"
        ).with_user(self.agent)

    def _notes(self, case, text):
        return case.message_ids.filtered(lambda m: text in (m.body or ""))

    def test_return_puts_the_serial_back_in_stock(self):
        self._deliver(self.lot, self.customer)
        case = self._case()
        action = case.action_sat_return()
        self.assertEqual(action["res_model"], "stock.return.picking")
        wizard = Form(
            self.env["stock.return.picking"].with_context(**action["context"])
        )
        with wizard.product_return_moves.edit(0) as line:
            line.quantity = 1
        wizard = wizard.save()
        wizard.action_create_returns()
        returned = case.after_sales_picking_ids
        self.assertEqual(len(returned), 1)
        self.assertEqual(case.after_sales_picking_count, 1)
        self.assertEqual(returned.return_id.partner_id, self.customer)
        returned.move_ids.picked = True
        returned.button_validate()
        self.assertEqual(returned.state, "done")
        in_stock = self.env["stock.quant"]._get_available_quantity(
            self.machine, self.stock_location, lot_id=self.lot, strict=True
        )
        self.assertEqual(in_stock, 1.0)
        self.assertEqual(len(self._notes(case, "Return")), 1)

    def test_nothing_delivered_nothing_to_return(self):
        case = self._case()
        with self.assertRaisesRegex(UserError, "No delivery of TST-0001"):
            case.action_sat_return()

    def test_refund_is_a_credit_note_of_the_invoice(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [
                    Command.create({"product_id": self.machine.id, "price_unit": 900})
                ],
            }
        )
        invoice.action_post()
        case = self._case()
        action = case.action_sat_refund()
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.agent)
            .with_context(**action["context"])
            .create({"journal_id": invoice.journal_id.id})
        )
        wizard.refund_moves()
        refund = case.refund_ids
        self.assertEqual(refund.move_type, "out_refund")
        self.assertEqual(refund.reversed_entry_id, invoice)
        self.assertEqual(refund.amount_total, invoice.amount_total)
        self.assertEqual(case.refund_count, 1)
        self.assertEqual(len(self._notes(case, "Credit note")), 1)
        other = self._create_case(product_id=self.grinder.id).with_user(self.agent)
        with self.assertRaisesRegex(UserError, "No posted invoice"):
            other.action_sat_refund()

    def test_replacement_delivery(self):
        case = self._case()
        case.action_sat_replace()
        replacement = case.after_sales_picking_ids
        self.assertEqual(replacement.picking_type_code, "outgoing")
        self.assertEqual(replacement.partner_id, self.customer)
        self.assertEqual(replacement.move_ids.product_id, self.machine)
        self.assertEqual(replacement.move_ids.product_uom_qty, 1)
        self.assertIn(case.reference, replacement.origin)
        self.assertFalse(case.picking_ids, "no supply transfer of the case")
        self.assertIn("at no charge", self._notes(case, "Replacement").body)
        # A cost of the warranty, never invoiced.
        self.assertEqual(case.line_ids.product_id, self.machine)
        self.assertEqual(replacement.move_ids.sat_case_line_id, case.line_ids)
        self.assertEqual(case.invoice_status, "no")

    def test_replacement_charged_on_a_billable_case(self):
        case = self._create_case(
            product_id=self.machine.id, solution="<p>Unit replaced</p>"
        ).with_user(self.agent)
        self.company.sat_invoice_on_close = True
        case.action_sat_replace()
        line = case.line_ids
        self.assertEqual(line.product_id, self.machine)
        self.assertEqual(line.price_subtotal, 900.0)
        self.assertIn(
            f"{line.price_total:,.2f} with the case's invoice",
            self._notes(case, "Replacement").body.replace("&nbsp;", " "),
        )
        case.action_close()
        self.assertTrue(case.is_closed)
        self.assertFalse(case.picking_ids, "the unit leaves by its replacement only")
        invoice = case.invoice_ids
        self.assertEqual(invoice.invoice_line_ids.product_id, self.machine)
        self.assertEqual(invoice.amount_untaxed, 900.0)
