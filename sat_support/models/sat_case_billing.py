from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.account.models.account_move import PAYMENT_STATE_SELECTION


class SatCase(models.Model):
    """What a case costs the customer: its amounts, pricelist, payment term and
    fiscal position, its invoices and their payment, its refunds. Invoices are
    Odoo's own (``account.move``), made from the case's supplies."""

    _inherit = "sat.case"  # pylint: disable=consider-merging-classes-inherited

    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        store=True,
        precompute=True,
        help="The customer's pricelist currency, else the company's.",
    )
    amount_untaxed = fields.Monetary(
        string="Untaxed Amount", compute="_compute_amounts", store=True
    )
    amount_tax = fields.Monetary(string="Taxes", compute="_compute_amounts", store=True)
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amounts", store=True
    )
    tax_totals = fields.Binary(compute="_compute_tax_totals", exportable=False)
    pricelist_id = fields.Many2one(
        "product.pricelist",
        compute="_compute_pricelist_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    payment_term_id = fields.Many2one(
        "account.payment.term",
        compute="_compute_payment_term_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        tracking=True,
    )
    fiscal_position_id = fields.Many2one(
        "account.fiscal.position",
        compute="_compute_fiscal_position_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
    )
    invoice_ids = fields.Many2many(
        "account.move",
        string="Invoices",
        compute="_compute_invoice_ids",
        compute_sudo=True,
        groups="account.group_account_invoice",
    )
    invoice_count = fields.Integer(compute="_compute_invoice_ids", compute_sudo=True)
    invoice_status = fields.Selection(
        [
            ("no", "Nothing to Invoice"),
            ("to_invoice", "To Invoice"),
            ("invoiced", "Invoiced"),
        ],
        compute="_compute_invoice_status",
        store=True,
        index=True,
    )
    payment_state = fields.Selection(
        PAYMENT_STATE_SELECTION,
        string="Payment Status",
        compute="_compute_payment_state",
        store=True,
        index=True,
    )
    amount_residual = fields.Monetary(
        string="Amount Due",
        compute="_compute_payment_state",
        store=True,
        help="What is left to pay of the case's invoices, taxes included (credit "
        "notes deducted). An invoice grouping several cases is shared out by the "
        "amounts of their lines.",
    )
    refund_ids = fields.One2many(
        "account.move",
        "sat_refund_case_id",
        string="Refunds",
        groups="account.group_account_invoice",
    )
    refund_count = fields.Integer(compute="_compute_refund_count", compute_sudo=True)

    def _get_tax_totals(self):
        """Odoo's own tax summary of the supplies, as on sale orders and invoices."""
        self.ensure_one()
        AccountTax = self.env["account.tax"]
        base_lines = [
            line._prepare_base_line_for_taxes_computation() for line in self.line_ids
        ]
        AccountTax._add_tax_details_in_base_lines(base_lines, self.company_id)
        AccountTax._round_base_lines_tax_details(base_lines, self.company_id)
        return AccountTax._get_tax_totals_summary(
            base_lines=base_lines, currency=self.currency_id, company=self.company_id
        )

    @api.depends(
        "line_ids.price_subtotal", "line_ids.price_tax", "currency_id", "company_id"
    )
    def _compute_amounts(self):
        for case in self:
            totals = case._get_tax_totals()
            case.amount_untaxed = totals["base_amount_currency"]
            case.amount_tax = totals["tax_amount_currency"]
            case.amount_total = totals["total_amount_currency"]

    @api.depends_context("lang")
    @api.depends(
        "line_ids.price_subtotal", "line_ids.price_tax", "currency_id", "company_id"
    )
    def _compute_tax_totals(self):
        for case in self:
            case.tax_totals = case._get_tax_totals()

    @api.depends("partner_id")
    def _compute_pricelist_id(self):
        for case in self:
            case.pricelist_id = case.partner_id.with_company(
                case.company_id
            ).property_product_pricelist

    @api.depends("partner_id")
    def _compute_payment_term_id(self):
        for case in self:
            case.payment_term_id = case.partner_id.with_company(
                case.company_id
            ).property_payment_term_id

    @api.depends("partner_id", "company_id")
    def _compute_fiscal_position_id(self):
        FiscalPosition = self.env["account.fiscal.position"]
        for case in self:
            case.fiscal_position_id = (
                FiscalPosition.with_company(case.company_id)._get_fiscal_position(
                    case.partner_id
                )
                if case.partner_id
                else False
            )

    @api.depends("pricelist_id", "company_id")
    def _compute_currency_id(self):
        for case in self:
            case.currency_id = (
                case.pricelist_id.currency_id or case.company_id.currency_id
            )

    def _get_invoices(self):
        return self.line_ids.invoice_line_ids.move_id.filtered(
            lambda move: move.state != "cancel"
        )

    @api.depends("line_ids.invoice_line_ids.parent_state")
    def _compute_invoice_ids(self):
        for case in self:
            invoices = case._get_invoices()
            case.invoice_ids = invoices
            case.invoice_count = len(invoices)

    @api.depends(
        "case_type",
        "is_closed",
        "is_cancel",
        "line_ids",
        "line_ids.invoice_line_ids.parent_state",
    )
    def _compute_invoice_status(self):
        for case in self:
            blocker = case._get_invoice_blocker()
            if blocker in (False, "open") and case._get_invoices().filtered(
                lambda m: m.move_type == "out_invoice"
            ):
                case.invoice_status = "invoiced"
            else:
                case.invoice_status = "no" if blocker else "to_invoice"

    @api.depends(
        "line_ids.invoice_line_ids.parent_state",
        "line_ids.invoice_line_ids.price_total",
        "line_ids.invoice_line_ids.move_id.payment_state",
        "line_ids.invoice_line_ids.move_id.amount_residual",
    )
    def _compute_payment_state(self):
        for case in self:
            posted = case._get_invoices().filtered(lambda m: m.state == "posted")
            invoices = posted.filtered(lambda m: m.move_type == "out_invoice")
            states = set(invoices.mapped("payment_state"))
            if len(states) > 1:
                states = (
                    {"paid"}
                    if states <= {"paid", "in_payment", "reversed"}
                    else {"partial"}
                )
            case.payment_state = states.pop() if states else False
            case.amount_residual = case._get_amount_due(posted)

    def _get_amount_due(self, moves):
        """The case's share of what is left to pay on ``moves``: an invoice that
        groups several cases is shared out by the amounts (taxes included) of their
        lines, so that the cases' amounts add up to the invoice's, never to more.
        The statistics (sat_reports) share it out the same way."""
        self.ensure_one()
        items = self.line_ids.invoice_line_ids
        due = 0.0
        for move in moves:
            if not move.amount_total:
                continue
            total = sum((items & move.invoice_line_ids).mapped("price_total"))
            sign = -1 if move.move_type == "out_refund" else 1
            due += sign * move.amount_residual * total / move.amount_total
        return self.currency_id.round(due)

    @api.depends("refund_ids")
    def _compute_refund_count(self):
        for case in self:
            case.refund_count = len(case.refund_ids)

    def action_view_invoices(self):
        self.ensure_one()
        return self.invoice_ids._get_records_action(name=self.env._("Invoices"))

    def action_view_refunds(self):
        self.ensure_one()
        return self.refund_ids._get_records_action(name=self.env._("Refunds"))

    def _get_customer_invoice(self):
        self.ensure_one()
        line = self.env["account.move.line"].search(
            [
                ("product_id", "=", self.product_id.id),
                ("parent_state", "=", "posted"),
                ("move_id.move_type", "=", "out_invoice"),
                (
                    "move_id.commercial_partner_id",
                    "=",
                    self.partner_id.commercial_partner_id.id,
                ),
            ],
            order="date desc, id desc",
            limit=1,
        )
        if not self.product_id or not line:
            raise UserError(
                self.env._(
                    "No posted invoice of %(product)s to %(customer)s was found to "
                    "refund.",
                    product=self.product_id.display_name
                    or self.env._("the case's product"),
                    customer=self.partner_id.commercial_partner_id.display_name,
                )
            )
        return line.move_id

    def action_sat_refund(self):
        """Odoo's credit note wizard on the customer's invoice of the product: in
        full, or edited down to what is refunded."""
        self.ensure_one()
        invoice = self._get_customer_invoice()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Refund %(invoice)s", invoice=invoice.name),
            "res_model": "account.move.reversal",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_model": "account.move",
                "active_ids": invoice.ids,
                "sat_refund_case_id": self.id,
            },
        }

    def action_create_invoice(self):
        """The case's "Create invoice" button: one invoice per case."""
        refusals = self._get_invoice_refusals()
        if refusals:
            raise UserError("\n".join(refusals.values()))
        invoices = self._create_invoices()
        return invoices._get_records_action(name=self.env._("Invoices"))

    def action_register_payment(self):
        """Odoo's own payment wizard for the case's open invoices."""
        invoices = self.invoice_ids.filtered(
            lambda m: (
                m.state == "posted"
                and m.move_type == "out_invoice"
                and m.payment_state in ("not_paid", "partial")
            )
        )
        if not invoices:
            raise UserError(self.env._("There is no posted invoice left to pay."))
        action = invoices.action_register_payment()
        # Once paid, the user is back on the case, not on the payment.
        action["context"] = {
            **action.get("context", {}),
            "dont_redirect_to_payments": True,
        }
        return action

    def action_post_and_register_payment(self):
        """The draft invoices of the case confirmed, then Odoo's payment wizard: the
        usual path of a case paid at the counter, in one click from the case."""
        drafts = self.invoice_ids.filtered(
            lambda m: m.state == "draft" and m.move_type == "out_invoice"
        )
        if not drafts:
            raise UserError(self.env._("The case has no draft invoice to confirm."))
        drafts.action_post()
        return self.action_register_payment()

    def _get_invoice_blocker(self):
        """Why this case cannot be invoiced now, whether it already is or not:
        ``"free"``, ``"cancelled"``, ``"open"`` or ``"empty"`` (no supplies); False
        when it can be. The one rule behind the invoice status and the refusals."""
        self.ensure_one()
        if not self.is_billable:
            return "free"
        if self.is_cancel:
            return "cancelled"
        if not self.is_closed:
            return "open"
        if not self.line_ids:
            return "empty"
        return False

    def _get_invoice_refusals(self):
        """{case: reason} for the cases that cannot be invoiced now."""
        types = dict(self._fields["case_type"]._description_selection(self.env))
        refusals = {}
        for case in self:
            blocker = case._get_invoice_blocker()
            if blocker == "free":
                refusals[case] = self.env._(
                    "%(case)s is a %(type)s case: it is never invoiced.",
                    case=case.reference,
                    type=types[case.case_type],
                )
            elif case.invoice_status == "invoiced":
                refusals[case] = self.env._(
                    "%(case)s is already invoiced.", case=case.reference
                )
            elif blocker == "cancelled":
                refusals[case] = self.env._(
                    "%(case)s was cancelled.", case=case.reference
                )
            elif blocker == "open":
                refusals[case] = self.env._(
                    "%(case)s is not closed yet: close it before invoicing it.",
                    case=case.reference,
                )
            elif blocker == "empty":
                refusals[case] = self.env._(
                    "%(case)s has no supplies to invoice: add the products and "
                    "services used first.",
                    case=case.reference,
                )
        return refusals

    def _lock_for_invoicing(self):
        """Row locks, so that two workers invoicing the same case cannot both succeed:
        the second one waits, then fails to serialize and is retried, and its retry
        sees the first one's invoice."""
        self.env.cr.execute(
            "SELECT id FROM sat_case WHERE id IN %s FOR NO KEY UPDATE",
            [tuple(self.ids)],
        )
        self.invalidate_recordset(["invoice_status"])

    def _prepare_invoice_values(self):
        """Values of the customer invoice of these cases, all of one customer, currency
        and company; a hook for other modules."""
        first = self[0]
        payment_term = self.payment_term_id
        if len(payment_term) != 1:
            payment_term = first.partner_id.property_payment_term_id
        return {
            "move_type": "out_invoice",
            "partner_id": first.partner_id.address_get(["invoice"])["invoice"],
            "invoice_origin": ", ".join(self.mapped("reference")),
            "invoice_payment_term_id": payment_term.id,
            "fiscal_position_id": first.fiscal_position_id.id,
            "currency_id": first.currency_id.id,
            "invoice_user_id": first.user_id.id,
            "company_id": first.company_id.id,
            "invoice_line_ids": [
                Command.create(line._prepare_invoice_line_values())
                for line in self.line_ids
            ],
        }

    def _create_invoices(self, grouped=False):
        """One customer invoice per case, or per customer when grouped.

        Cases that cannot be invoiced are left out (see ``_get_invoice_refusals``).
        Runs as superuser: a billable case is invoiced on closing, whoever closes it."""
        self._lock_for_invoicing()
        cases = self - self.browse([c.id for c in self._get_invoice_refusals()])
        if not cases:
            return self.env["account.move"]
        if grouped:
            groups = cases.grouped(
                lambda c: (c.partner_id, c.currency_id, c.company_id)
            ).values()
        else:
            groups = list(cases)
        vals_list = [group._prepare_invoice_values() for group in groups]
        invoices = (
            self.env["account.move"]
            .sudo()
            .with_context(default_move_type="out_invoice")
            .create(vals_list)
        )
        to_post = invoices.filtered(lambda m: m.company_id.sat_invoice_auto_post)
        if to_post:
            to_post.action_post()
        return invoices.sudo(False)
