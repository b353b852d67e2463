from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import SatCommon


@tagged("post_install", "-at_install")
class TestSatBilling(SatCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.sat_invoice_on_close = True
        cls.company.sat_invoice_auto_post = False
        cls.term_30 = cls.env.ref("account.account_payment_term_30days")
        cls.customer.property_payment_term_id = cls.term_30
        cls.billing_user = cls.env["res.users"].create(
            {
                "name": "Bill Accountant",
                "login": "sat_billing",
                "groups_id": [
                    Command.set(
                        [
                            cls.env.ref("account.group_account_invoice").id,
                            cls.env.ref("sat_support.group_sat_user").id,
                        ]
                    )
                ],
            }
        )

    def _pay(self, case, amount):
        action = case.with_user(self.billing_user).action_register_payment()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.billing_user)
            .with_context(**action["context"])
            .create({"amount": amount, "payment_date": fields.Date.today()})
        )
        wizard._create_payments()

    def test_billable_case_invoiced_on_close(self):
        case = self._create_solved_case([(self.pump, 2), (self.service, 1.5)])
        self.assertEqual(case.payment_term_id, self.term_30, "from the customer")
        self.assertEqual(case.invoice_status, "no", "open cases are not invoiced yet")
        case.with_user(self.sat_user).action_close()
        invoice = case.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.partner_id, self.customer)
        self.assertEqual(invoice.invoice_origin, case.reference)
        self.assertEqual(invoice.invoice_payment_term_id, self.term_30)
        self.assertEqual(
            [
                (line.product_id, line.quantity, line.price_unit, line.tax_ids)
                for line in invoice.invoice_line_ids
            ],
            [
                (self.pump, 2.0, 65.5, self.tax_21),
                (self.service, 1.5, 45.0, self.tax_21),
            ],
        )
        self.assertEqual(invoice.invoice_line_ids.product_uom_id, self.pump.uom_id)
        # 131.00 + 67.50; VAT 27.51 + 14.18 (rounded per line)
        self.assertAlmostEqual(invoice.amount_untaxed, 198.5)
        self.assertAlmostEqual(invoice.amount_tax, 41.69)
        self.assertAlmostEqual(invoice.amount_total, 240.19)
        self.assertAlmostEqual(invoice.amount_total, case.amount_total)
        self.assertEqual(case.invoice_status, "invoiced")
        self.assertEqual(case.invoice_count, 1)
        self.assertEqual(invoice.with_user(self.billing_user).sat_case_ids, case)
        self.assertFalse(case.payment_state, "a draft invoice is not due yet")

    def test_warranty_and_courtesy_are_never_invoiced(self):
        for case_type in ("warranty", "courtesy"):
            case = self._create_solved_case([(self.service, 2)], case_type=case_type)
            case.action_close()
            self.assertEqual(case.invoice_status, "no")
            self.assertFalse(case.invoice_count)
            with self.assertRaises(UserError) as error:
                case.action_create_invoice()
            self.assertIn("never invoiced", str(error.exception))
            self.assertFalse(case._create_invoices(), "refused server-side too")
            self.assertFalse(case.invoice_count)

    def test_case_without_supplies(self):
        case = self._create_case(solution="<p>Advice by phone</p>")
        case.action_close()
        self.assertTrue(case.is_closed, "closing without supplies works")
        self.assertFalse(case.invoice_count, "no empty invoice")
        with self.assertRaises(UserError) as error:
            case.action_create_invoice()
        self.assertIn("has no supplies to invoice", str(error.exception))

    def test_invoice_button_and_double_click(self):
        self.company.sat_invoice_on_close = False
        case = self._create_solved_case([(self.service, 1)])
        with self.assertRaises(UserError) as error:
            case.action_create_invoice()
        self.assertIn("not closed yet", str(error.exception))
        case.action_close()
        self.assertEqual(case.invoice_status, "to_invoice")
        self.assertFalse(case.invoice_count)
        action = case.with_user(self.sat_user).action_create_invoice()
        self.assertEqual(action["res_model"], "account.move")
        with self.assertRaises(UserError) as error:
            case.with_user(self.sat_user).action_create_invoice()
        self.assertIn("already invoiced", str(error.exception))
        self.assertEqual(case.invoice_count, 1)

    def test_payment_term_chosen_on_the_case(self):
        immediate = self.env.ref("account.account_payment_term_immediate")
        case = self._create_solved_case([(self.service, 1)])
        with Form(case.with_user(self.sat_user)) as form:
            form.payment_term_id = immediate
        case.action_close()
        self.assertEqual(case.invoice_ids.invoice_payment_term_id, immediate)

    def test_partial_then_full_payment(self):
        self.company.sat_invoice_auto_post = True
        case = self._create_solved_case([(self.service, 4)])  # 180.00 + 37.80 VAT
        case.action_close()
        invoice = case.invoice_ids
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(case.payment_state, "not_paid")
        self.assertAlmostEqual(case.amount_residual, 217.8)
        self._pay(case, 100.0)
        self.assertEqual(case.payment_state, "partial")
        self.assertAlmostEqual(case.amount_residual, 117.8)
        paid = self.env["sat.case"].search([("payment_state", "=", "partial")])
        self.assertIn(case, paid, "the filter finds it")
        self._pay(case, 117.8)
        self.assertIn(case.payment_state, ("paid", "in_payment"))
        self.assertAlmostEqual(case.amount_residual, 0.0)
        with self.assertRaises(UserError):
            case.action_register_payment()

    def test_confirm_and_pay_from_the_case(self):
        case = self._create_solved_case([(self.service, 4)])  # 180.00 + 37.80 VAT
        case.action_close()
        self.assertEqual(case.invoice_ids.state, "draft")
        self.assertFalse(case.payment_state)
        action = case.with_user(self.billing_user).action_post_and_register_payment()
        self.assertEqual(case.invoice_ids.state, "posted")
        self.assertEqual(action["res_model"], "account.payment.register")
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.billing_user)
            .with_context(**action["context"])
            .create({"payment_date": fields.Date.today()})
        )
        self.assertAlmostEqual(wizard.amount, 217.8)
        # Back on the case, not on the payment.
        self.assertIs(wizard.action_create_payments(), True)
        self.assertIn(case.payment_state, ("paid", "in_payment"))
        with self.assertRaises(UserError):
            case.action_post_and_register_payment()

    def test_credit_note_is_reflected(self):
        self.company.sat_invoice_auto_post = True
        case = self._create_solved_case([(self.service, 2)])
        case.action_close()
        invoice = case.invoice_ids
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Goodwill"})
        )
        reversal.refund_moves()
        credit_note = invoice.reversal_move_ids
        credit_note.action_post()
        self.assertEqual(case.invoice_ids, invoice | credit_note)
        self.assertEqual(case.payment_state, "reversed")
        self.assertAlmostEqual(case.amount_residual, 0.0)
        self.assertEqual(case.invoice_status, "invoiced", "not invoiced again")

    def test_fiscal_position_of_the_customer(self):
        tax_0 = self.env["account.tax"].create(
            {"name": "Exempt (test)", "amount": 0.0, "type_tax_use": "sale"}
        )
        fiscal_position = self.env["account.fiscal.position"].create(
            {
                "name": "Export (test)",
                "tax_ids": [
                    Command.create(
                        {"tax_src_id": self.tax_21.id, "tax_dest_id": tax_0.id}
                    )
                ],
            }
        )
        self.customer.property_account_position_id = fiscal_position
        case = self._create_solved_case([(self.service, 2)])
        self.assertEqual(case.fiscal_position_id, fiscal_position)
        self.assertEqual(case.line_ids.tax_ids, tax_0)
        case.action_close()
        self.assertEqual(case.invoice_ids.fiscal_position_id, fiscal_position)
        self.assertAlmostEqual(case.invoice_ids.amount_total, 90.0)

    def test_multi_currency_customer(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create(
            {"currency_id": eur.id, "rate": 0.5, "name": "2000-01-01"}
        )
        self.env["res.currency.rate"].search(
            [("currency_id", "=", eur.id), ("name", ">", "2000-01-01")]
        ).unlink()
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR (test)", "currency_id": eur.id}
        )
        self.customer.property_product_pricelist = pricelist
        case = self._create_solved_case([(self.service, 2)])
        self.assertEqual(case.currency_id, eur)
        self.assertAlmostEqual(case.line_ids.price_unit, 22.5, msg="45.00 USD at 0.5")
        case.action_close()
        invoice = case.invoice_ids
        self.assertEqual(invoice.currency_id, eur)
        self.assertAlmostEqual(invoice.amount_total, 54.45)  # 45.00 + 21 % in EUR
        self.assertAlmostEqual(invoice.amount_total_signed, 108.9)  # in USD

    def test_multi_company_isolation(self):
        self.env["account.chart.template"].try_loading("generic_coa", self.company_2)
        case = self.env["sat.case"].create(
            {
                "name": "Other company",
                "company_id": self.company_2.id,
                "partner_id": self.customer.id,
                "solution": "<p>Done</p>",
                "line_ids": [Command.create({"product_id": self.service.id})],
            }
        )
        case.with_company(self.company_2).action_close()
        self.assertEqual(case.invoice_ids.company_id, self.company_2)
        self.assertEqual(case.invoice_ids.journal_id.company_id, self.company_2)
        with self.assertRaises(AccessError):
            case.with_user(self.billing_user).read(["invoice_status"])

    def test_batch_invoicing_with_summary(self):
        self.company.sat_invoice_on_close = False
        other = self.env["res.partner"].create({"name": "Bar Luna", "is_company": True})
        cases = (
            self._create_solved_case([(self.service, 1)])
            | self._create_solved_case([(self.service, 2)])
            | self._create_solved_case([(self.service, 3)], partner_id=other.id)
            | self._create_solved_case([(self.service, 1)], case_type="warranty")
        )
        cases.action_close()
        open_case = self._create_solved_case([(self.service, 1)])
        wizard = (
            self.env["sat.case.invoice.wizard"]
            .with_user(self.sat_manager)
            .with_context(active_model="sat.case", active_ids=(cases | open_case).ids)
            .create({"grouped": True})
        )
        wizard.action_invoice()
        self.assertEqual(len(wizard.invoice_ids), 2, "one invoice per customer")
        by_partner = {inv.partner_id: inv for inv in wizard.invoice_ids}
        self.assertEqual(len(by_partner[self.customer].invoice_line_ids), 2)
        self.assertIn(cases[0].reference, by_partner[self.customer].invoice_origin)
        self.assertIn(cases[1].reference, by_partner[self.customer].invoice_origin)
        self.assertIn("3 case(s) invoiced in 2 invoice(s).", wizard.summary)
        self.assertIn("2 case(s) refused:", wizard.summary)
        self.assertIn(f"{cases[3].reference} is a Warranty case", wizard.summary)
        self.assertIn(f"{open_case.reference} is not closed yet", wizard.summary)
        self.assertEqual(cases[:3].mapped("invoice_status"), ["invoiced"] * 3)

    def test_grouped_invoice_due_shared_out(self):
        # One invoice for two cases of a customer (54.45 and 108.90 with VAT),
        # 63.35 paid: each case shows its share of the 100.00 left, not 100.00
        # each, so that the cases add up to the invoice.
        self.company.sat_invoice_on_close = False
        cases = self._create_solved_case(
            [(self.service, 1)]
        ) | self._create_solved_case([(self.service, 2)])
        cases.action_close()
        self.env["sat.case.invoice.wizard"].with_context(
            active_model="sat.case", active_ids=cases.ids
        ).create({"grouped": True}).action_invoice()
        invoice = cases.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.amount_total, 163.35)
        invoice.action_post()
        action = cases[0].action_register_payment()
        self.env[action["res_model"]].with_context(**action["context"]).create(
            {"amount": 63.35}
        )._create_payments()
        self.assertEqual(cases.mapped("payment_state"), ["partial", "partial"])
        self.assertEqual(cases.mapped("amount_residual"), [33.33, 66.67])
        self.assertAlmostEqual(
            sum(cases.mapped("amount_residual")), invoice.amount_residual, places=2
        )

    def test_batch_one_invoice_per_case(self):
        self.company.sat_invoice_on_close = False
        cases = self._create_solved_case(
            [(self.service, 1)]
        ) | self._create_solved_case([(self.service, 2)])
        cases.action_close()
        wizard = (
            self.env["sat.case.invoice.wizard"]
            .with_context(active_model="sat.case", active_ids=cases.ids)
            .create({})
        )
        wizard.action_invoice()
        self.assertEqual(len(wizard.invoice_ids), 2)
        self.assertEqual(cases[0].invoice_ids.invoice_origin, cases[0].reference)
