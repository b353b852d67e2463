from collections import defaultdict
from textwrap import shorten

from babel.dates import format_timedelta
from lxml.builder import E

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, format_amount, html2plaintext
from odoo.tools.misc import get_lang

from odoo.addons.account.models.account_move import PAYMENT_STATE_SELECTION

from ..batch_reads import batch_read
from .sat_case_sla import SLA_STATUSES
from .sat_case_type_mixin import CASE_TYPES

# Ratings at or below this (1 "dissatisfied", 3 "okay", 5 "satisfied") call for a
# call back from the team leader.
LOW_RATING = 2
PRIORITIES = [
    ("0", "Low"),
    ("1", "Medium"),
    ("2", "High"),
]


class SatCase(models.Model):
    _name = "sat.case"
    _description = "Support Case"
    _inherit = [
        "sat.case.type.mixin",
        "portal.mixin",
        "mail.thread.cc",
        "mail.activity.mixin",
        "mail.tracking.duration.mixin",
        "rating.mixin",
    ]
    _order = "priority desc, date_received desc, id desc"
    # Customers answer on the portal: whoever may read a case may write in its thread.
    _mail_post_access = "read"
    _rec_names_search = ["reference", "name", "partner_id.complete_name"]
    _check_company_auto = True
    _track_duration_field = "stage_id"
    _primary_email = "partner_email"

    # Fields a SAT user may no longer change once the case is closed.
    _LOCKED_FIELDS = {
        "name",
        "partner_id",
        "reporter_id",
        "date_received",
        "date_deadline",
        "symptom",
        "diagnosis",
        "solution",
        "case_type",
        "priority",
        "product_id",
        "lot_id",
        "category_id",
        "team_id",
        "user_id",
        "line_ids",
        "stage_id",
        "company_id",
        "payment_term_id",
        "pricelist_id",
        "fiscal_position_id",
    }

    # Computed from the case's own life (stage, supplies, invoices, SLA): only the
    # system writes them, never a user, whatever the client sends.
    _SYSTEM_FIELDS = {
        "is_closed",
        "is_cancel",
        "date_closed",
        "work_hours_to_close",
        "amount_untaxed",
        "amount_tax",
        "amount_total",
        "currency_id",
        "invoice_status",
        "payment_state",
        "amount_residual",
        "sla_status",
        "sla_deadline",
        "access_token",
        "merged_into_id",
    }

    # Fields that decide which SLA policies govern a case.
    _SLA_FIELDS = {
        "priority",
        "category_id",
        "team_id",
        "case_type",
        "partner_id",
        "company_id",
        "date_received",
    }

    # Identification
    reference = fields.Char(
        readonly=True,
        copy=False,
        index="trigram",
        default=lambda self: self.env._("New"),
    )
    name = fields.Char(string="Subject", required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    color = fields.Integer()

    # Customer
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        tracking=True,
        index=True,
        check_company=True,
        domain="['|', ('is_company', '=', True), ('parent_id', '=', False)]",
        help="The customer account the case belongs to.",
    )
    reporter_id = fields.Many2one(
        "res.partner",
        string="Reported by",
        compute="_compute_reporter_id",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        check_company=True,
        help="The person who reported the case: one of the customer's contacts, or "
        "someone reporting on the customer's behalf.",
    )
    partner_email = fields.Char(related="reporter_id.email", string="Email")
    partner_phone = fields.Char(related="reporter_id.phone", string="Phone")

    # The case
    date_received = fields.Datetime(
        string="Received on", required=True, default=fields.Datetime.now, tracking=True
    )
    date_deadline = fields.Date(
        string="Estimated Close Date",
        tracking=True,
        help="Close date promised to the customer.",
    )
    case_type = fields.Selection(
        CASE_TYPES,
        string="Type",
        required=True,
        default="billable",
        tracking=True,
        help="Only billable cases are ever invoiced; "
        "warranty and courtesy cases are free.",
    )
    priority = fields.Selection(
        PRIORITIES, string="Criticality", default="1", index=True, tracking=True
    )
    symptom = fields.Html(help="What the customer sees: the signs of the failure.")
    # Internal work: the portal shows the solution of a closed case (as the
    # system), never these fields to a customer's own reads.
    diagnosis = fields.Html(
        help="The analysis of the symptom: what causes the failure.",
        groups="base.group_user",
    )
    solution = fields.Html(
        help="The work done to solve the problem. Required to close the case.",
        groups="base.group_user",
    )
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_product_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        check_company=True,
        tracking=True,
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        index=True,
        check_company=True,
        tracking=True,
        domain="[('product_id', '=?', product_id)]",
    )

    # Assignment and progress
    category_id = fields.Many2one("sat.case.category", index=True, tracking=True)
    team_id = fields.Many2one(
        "sat.team",
        compute="_compute_team_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        tracking=True,
        check_company=True,
        help="Follows the category whenever it is empty.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        compute="_compute_user_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        tracking=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="Left empty, the customer's SAT responsible, else the next member of the "
        "team when the case is saved.",
    )
    stage_id = fields.Many2one(
        "sat.case.stage",
        required=True,
        index=True,
        tracking=True,
        copy=False,
        ondelete="restrict",
        group_expand="_read_group_stage_ids",
        default=lambda self: self._default_stage_id(),
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True, index=True)
    is_cancel = fields.Boolean(related="stage_id.is_cancel", store=True)
    date_closed = fields.Datetime(
        string="Closed on", compute="_compute_date_closed", store=True, copy=False
    )
    work_hours_to_close = fields.Float(
        string="Working Hours to Close",
        compute="_compute_work_hours_to_close",
        store=True,
        help="Working hours of the company's calendar from reception to closing.",
    )
    is_locked = fields.Boolean(
        compute="_compute_is_locked",
        help="Closed cases are read-only for everyone but SAT managers.",
    )

    # Supplies
    line_ids = fields.One2many("sat.case.line", "case_id", string="Supplies", copy=True)
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

    # Billing
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

    # SLA
    sla_ids = fields.One2many("sat.case.sla", "case_id", string="SLA Statuses")
    sla_status = fields.Selection(
        SLA_STATUSES,
        string="SLA",
        compute="_compute_sla_status",
        store=True,
        index=True,
    )
    sla_deadline = fields.Datetime(
        string="SLA Deadline", compute="_compute_sla_status", store=True, index=True
    )
    sla_time_left = fields.Char(string="Time Left", compute="_compute_sla_time_left")
    date_first_response = fields.Datetime(
        string="First Response",
        readonly=True,
        copy=False,
        help="When a staff member first answered the customer publicly (a message "
        "sent from the case or the portal; internal notes and automatic mails are "
        "no answer). SLA policies that target the first response and the "
        "statistics both count from reception to this date.",
    )

    # The service history of a serial, one line a case
    symptom_text = fields.Char(
        string="Symptom (text)", compute="_compute_history_texts"
    )
    solution_text = fields.Char(
        string="Solution (text)",
        compute="_compute_history_texts",
        groups="base.group_user",
    )
    supplies_summary = fields.Char(
        string="Supplies Used", compute="_compute_history_texts"
    )

    # Stock
    picking_ids = fields.One2many("stock.picking", "sat_case_id", string="Transfers")
    picking_count = fields.Integer(compute="_compute_picking_count", compute_sudo=True)
    after_sales_picking_ids = fields.One2many(
        "stock.picking",
        "sat_after_sales_case_id",
        string="Returns and Replacements",
    )
    after_sales_picking_count = fields.Integer(
        compute="_compute_picking_count", compute_sudo=True
    )
    refund_ids = fields.One2many(
        "account.move",
        "sat_refund_case_id",
        string="Refunds",
        groups="account.group_account_invoice",
    )
    refund_count = fields.Integer(compute="_compute_refund_count", compute_sudo=True)

    _sql_constraints = [
        (
            "reference_company_uniq",
            "UNIQUE(reference, company_id)",
            "The case reference must be unique per company.",
        ),
    ]

    # ------------------------------------------------------------------ defaults
    def _default_stage_id(self):
        Stage = self.env["sat.case.stage"]
        return Stage.browse(
            batch_read(
                self.env,
                "sat.case.stage",
                lambda: Stage.search([("is_closed", "=", False)], limit=1).ids,
            )
        )

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        # Every stage is a kanban column, even an empty one; stages are few.
        return stages.search([], order=stages._order)  # pylint: disable=no-search-all

    # ------------------------------------------------------------------ computes
    @api.depends("partner_id")
    def _compute_reporter_id(self):
        for case in self:
            # A stranger who wrote to the team's address stays the reporter when the
            # agent gives the saved case its first customer (see ``write`` for the
            # same without the form).
            first_customer = case._origin.id and not case._origin.partner_id
            if (
                case.partner_id
                and not (first_customer and case.reporter_id._sat_is_stranger())
                and case.reporter_id.commercial_partner_id != case.partner_id
            ):
                case.reporter_id = case.partner_id

    @api.depends("category_id")
    def _compute_team_id(self):
        for case in self.filtered(lambda c: not c.team_id and c.category_id.team_id):
            case.team_id = case.category_id.team_id

    @api.depends("partner_id")
    def _compute_user_id(self):
        for case in self.filtered(lambda c: not c.user_id and not c.is_closed):
            responsible = case.partner_id.commercial_partner_id.sat_responsible_id
            if responsible:
                case.user_id = responsible

    @api.depends("symptom", "solution", "line_ids.quantity", "line_ids.product_id")
    def _compute_history_texts(self):
        for case in self:
            case.symptom_text = shorten(html2plaintext(case.symptom or ""), 160)
            case.solution_text = shorten(html2plaintext(case.solution or ""), 160)
            case.supplies_summary = ", ".join(
                f"{line.quantity:g} × {line.product_id.display_name}"
                for line in case.line_ids
            )

    @api.depends("lot_id")
    def _compute_product_id(self):
        for case in self.filtered("lot_id"):
            case.product_id = case.lot_id.product_id

    @api.depends("stage_id")
    def _compute_date_closed(self):
        now = fields.Datetime.now()
        for case in self:
            if not case.stage_id.is_closed:
                case.date_closed = False
            elif not case.date_closed:
                case.date_closed = now

    @api.depends("date_received", "date_closed")
    def _compute_work_hours_to_close(self):
        closed = self.filtered(
            lambda c: c.date_closed and c.company_id.resource_calendar_id
        )
        (self - closed).work_hours_to_close = 0.0
        Status = self.env["sat.case.sla"]
        for calendar, cases in closed.grouped(
            lambda c: c.company_id.resource_calendar_id
        ).items():
            spans = [(case.date_received, case.date_closed) for case in cases]
            for case, hours in zip(
                cases, Status._work_hours(calendar, spans), strict=True
            ):
                case.work_hours_to_close = hours

    @api.depends("is_closed")
    @api.depends_context("uid")
    def _compute_is_locked(self):
        manager = self.env.user.has_group("sat_support.group_sat_manager")
        for case in self:
            case.is_locked = case.is_closed and not manager

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

    @api.depends("sla_ids.status", "sla_ids.deadline", "sla_ids.reached_date")
    def _compute_sla_status(self):
        for case in self:
            running = case.sla_ids.filtered(lambda s: not s.reached_date)
            statuses = set((running or case.sla_ids).mapped("status"))
            if "breached" in statuses:
                case.sla_status = "breached"
            elif "at_risk" in statuses:
                case.sla_status = "at_risk"
            else:
                case.sla_status = statuses.pop() if statuses else False
            case.sla_deadline = min(running.mapped("deadline"), default=False)

    @api.depends("sla_deadline")
    @api.depends_context("lang")
    def _compute_sla_time_left(self):
        now = fields.Datetime.now()
        locale = get_lang(self.env).code
        for case in self:
            case.sla_time_left = case.sla_deadline and format_timedelta(
                case.sla_deadline - now, add_direction=True, locale=locale
            )

    @api.depends("picking_ids", "after_sales_picking_ids")
    def _compute_picking_count(self):
        for case in self:
            case.picking_count = len(case.picking_ids)
            case.after_sales_picking_count = len(case.after_sales_picking_ids)

    @api.depends("refund_ids")
    def _compute_refund_count(self):
        for case in self:
            case.refund_count = len(case.refund_ids)

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for case in self:
            case.access_url = f"/my/cases/{case.id}"
        return res

    @api.depends("reference", "name")
    def _compute_display_name(self):
        for case in self:
            case.display_name = (
                f"{case.reference} {case.name}" if case.name else case.reference
            )

    # ------------------------------------------------------------------ constraints
    @api.constrains("lot_id", "product_id")
    def _check_lot_product(self):
        for case in self.filtered("lot_id"):
            if case.lot_id.product_id != case.product_id:
                raise ValidationError(
                    self.env._(
                        "Serial number %(lot)s belongs to %(lot_product)s, "
                        "not to %(product)s.",
                        lot=case.lot_id.name,
                        lot_product=case.lot_id.product_id.display_name,
                        product=case.product_id.display_name
                        or self.env._("no product"),
                    )
                )

    @api.constrains("user_id")
    def _check_user_internal(self):
        for case in self.filtered(lambda case: case.user_id.share):
            raise ValidationError(
                self.env._(
                    "The responsible of case %(case)s must be an internal user, not "
                    "%(user)s.",
                    case=case.reference,
                    user=case.user_id.name,
                )
            )

    @api.constrains("stage_id", "solution")
    def _check_solution(self):
        self.filtered(
            lambda case: case.is_closed and not case.is_cancel
        )._check_has_solution()

    def _check_has_solution(self):
        for case in self:
            if not html2plaintext(case.solution or "").replace("\xa0", " ").strip():
                raise ValidationError(
                    self.env._(
                        "Case %(case)s cannot be closed without a solution: "
                        "describe the work done to solve it first.",
                        case=case.reference,
                    )
                )

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_user_values(vals)
        sequence = self.env["ir.sequence"]
        default_stage = self._default_stage_id()
        for vals in vals_list:
            # Explicit, so that the first stage's mail (the acknowledgement) is sent.
            vals.setdefault("stage_id", default_stage.id)
            if not vals.get("reference") or vals["reference"] == self.env._("New"):
                company = (
                    self.env["res.company"].browse(vals.get("company_id"))
                    or self.env.company
                )
                vals["reference"] = (
                    sequence.with_company(company).next_by_code("sat.case") or "/"
                )
        self._assign_values(vals_list)
        cases = super().create(vals_list)
        # Subscribed with the responsible by Odoo's creation (see
        # _message_auto_subscribe_followers): the rest come from a compute.
        reported = self.browse(
            case.id
            for case, vals in zip(cases, vals_list, strict=True)
            if vals.get("reporter_id") or self.env.context.get("default_reporter_id")
        )
        # Cases whose team or customer came from defaults rather than values.
        cases._assign()
        cases._sla_apply()
        if self.env.context.get("tracking_disable"):
            # Odoo's creation subscribes no one then, the reporting contact neither.
            cases._message_subscribe_reporters()
        else:
            cases.filtered(
                lambda case: case not in reported
            )._message_subscribe_reporters()
        cases.filtered("is_closed")._on_close()
        return cases

    def write(self, vals):
        self._check_user_values(vals)
        self._check_locked(vals)
        if vals.get("partner_id") and "reporter_id" not in vals:
            strangers = self.filtered(
                lambda case: not case.partner_id and case.reporter_id._sat_is_stranger()
            )
            for reporter, cases in strangers.grouped("reporter_id").items():
                cases.write({**vals, "reporter_id": reporter.id})
            self -= strangers
            if not self:
                return True
        if "partner_id" in vals or vals.get("active") is False:
            # A shared link stops working when the case changes hands or is
            # archived; sharing it again makes a new one.
            vals = {**vals, "access_token": False}
        opening = self.browse()
        if "stage_id" in vals:
            opening = self.filtered(lambda case: not case.is_closed)
        res = super().write(vals)
        if "category_id" in vals:
            # The team follows the category whatever the responsible.
            self._assign()
        if self._SLA_FIELDS.intersection(vals):
            self._sla_apply(reset="date_received" in vals)
        if "stage_id" in vals:
            self._sla_on_stage_change()
        if "reporter_id" in vals and self.env.context.get("tracking_disable"):
            self._message_subscribe_reporters()
        opening.filtered("is_closed")._on_close()
        if "stage_id" in vals:
            self._send_rating_requests()
        return res

    def _check_user_values(self, vals):
        """What a user's request may not write: state computed by the system, and a
        company the user is not allowed in."""
        if self.env.su:
            return
        forbidden = self._SYSTEM_FIELDS.intersection(vals)
        if forbidden:
            raise AccessError(
                self.env._(
                    "These fields of a case are computed and cannot be written: "
                    "%(fields)s.",
                    fields=", ".join(sorted(forbidden)),
                )
            )
        if (
            vals.get("company_id")
            and vals["company_id"] not in self.env.user.company_ids.ids
        ):
            raise AccessError(
                self.env._(
                    "A case cannot be moved to a company you are not allowed in."
                )
            )

    def _check_locked(self, vals):
        if self.env.su or not self._LOCKED_FIELDS.intersection(vals):
            return
        if self.env.user.has_group("sat_support.group_sat_manager"):
            return
        closed = self.filtered("is_closed")
        if closed:
            raise UserError(
                self.env._(
                    "Case %(cases)s is closed: "
                    "only a SAT manager can change or reopen it.",
                    cases=", ".join(closed.mapped("reference")),
                )
            )

    @api.model
    def _get_view(self, view_id=None, view_type="form", **options):
        """The form locks what ``_LOCKED_FIELDS`` lists, so the form and the Python
        guard cannot disagree; a view adds or extends a field without repeating it."""
        arch, view = super()._get_view(view_id, view_type, **options)
        if view_type != "form":
            return arch, view
        nodes = [
            node
            for node in arch.xpath("//field[not(ancestor::field)]")
            if node.get("name") in self._LOCKED_FIELDS
            and node.get("readonly") not in ("1", "True", "true")
        ]
        for node in nodes:
            current = node.get("readonly")
            node.set(
                "readonly", f"is_locked or ({current})" if current else "is_locked"
            )
        if nodes and not arch.xpath("//field[@name='is_locked'][not(ancestor::field)]"):
            arch.append(E.field(name="is_locked", invisible="1"))
        return arch, view

    @api.ondelete(at_uninstall=False)
    def _unlink_except_closed(self):
        if self.filtered("is_closed"):
            raise UserError(
                self.env._(
                    "Closed cases cannot be deleted: they are the service history. "
                    "Archive them instead."
                )
            )

    # ------------------------------------------------------------------ mail
    def message_post(self, **kwargs):
        """A customer (portal or share link) writes to the people of the case, not
        to any partner of the database through the case's mail server."""
        if self.env.context.get("sat_notify_author"):
            # A stage mail: the customer is told even when the change is theirs.
            kwargs.setdefault("notify_author", True)
        # Also in superuser mode: the portal posts with a share link that way.
        if kwargs.get("partner_ids") and self.env.user.share:
            followers = set(self.sudo().message_partner_ids.ids)
            kwargs["partner_ids"] = [
                pid for pid in kwargs["partner_ids"] if pid in followers
            ]
        return super().message_post(**kwargs)

    def _message_post_after_hook(self, message, msg_values):
        """The first public answer of a staff member is the case's first response,
        for its SLA and for the statistics alike."""
        res = super()._message_post_after_hook(message, msg_values)
        if (
            not self.date_first_response
            and message.message_type == "comment"
            and message.subtype_id == self.env.ref("mail.mt_comment")
            and message.author_id.user_ids.filtered(lambda user: not user.share)
        ):
            self.sudo().date_first_response = message.date
            self._sla_on_first_response()
        return res

    # ------------------------------------------------------------------ rating
    def _rating_get_partner(self):
        return self.reporter_id or self.partner_id

    def _send_rating_requests(self):
        """The customer rates the service when the case reaches a stage that asks
        for it (the solved stage by default), never for a cancelled case."""
        for case in self.filtered(
            lambda c: c.stage_id.rating_template_id and not c.is_cancel
        ):
            partner = case._rating_get_partner()
            if partner and partner != self.env.user.partner_id:
                case.rating_send_request(
                    case.stage_id.rating_template_id,
                    lang=partner.lang,
                    force_send=False,
                )

    def rating_apply(
        self,
        rate,
        token=None,
        rating=None,
        feedback=None,
        subtype_xmlid=None,
        notify_delay_send=False,
    ):
        """A dissatisfied customer is the team leader's to call back."""
        rating = super().rating_apply(
            rate,
            token=token,
            rating=rating,
            feedback=feedback,
            subtype_xmlid=subtype_xmlid,
            notify_delay_send=notify_delay_send,
        )
        if rate <= LOW_RATING:
            for case in self:
                user = case.team_id.user_id or case.user_id
                if user:
                    case.sudo().activity_schedule(
                        "mail.mail_activity_data_todo",
                        user_id=user.id,
                        summary=self.env._(
                            "Dissatisfied customer: %(feedback)s",
                            feedback=feedback or self.env._("no comment"),
                        ),
                    )
        return rating

    def _creation_subtype(self):
        return self.env.ref("sat_support.mt_case_new")

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values:
            return self.env.ref("sat_support.mt_case_stage")
        return super()._track_subtype(init_values)

    @api.model
    def _mail_get_partner_fields(self, introspect_fields=False):
        return ["reporter_id"]

    def _track_template(self, changes):
        """The stage's mail to the customer: the acknowledgement when a case is
        created in the first stage, then one mail per stage change."""
        res = super()._track_template(changes)
        case = self[0]
        template = case.stage_id.mail_template_id
        if (
            "stage_id" in changes
            and template
            and case._customer_notified()
            and not case.merged_into_id
        ):
            res["stage_id"] = (
                template,
                {
                    "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id(
                        "mail.mt_note"
                    ),
                    "email_layout_xmlid": "mail.mail_notification_light",
                },
            )
        return res

    def _message_track_post_template(self, changes):
        """A plain stage template (a subject, a body, the followers or partners it
        names) is rendered and posted here, without Odoo's composer, which renders
        the body twice: a third of the cost of a case opened by a mail. Any other
        template (attachments, reports, addresses of its own) goes through Odoo's
        composer, which knows them all."""
        if not self or "stage_id" not in (changes or ()):
            return super()._message_track_post_template(changes)
        template, options = self._track_template(changes).get("stage_id", (None, {}))
        if template and not self._is_plain_template(template):
            # Odoo's composer cannot be asked to mail the author: see message_post.
            return super(
                SatCase, self.with_context(sat_notify_author=True)
            )._message_track_post_template(changes)
        others = [fname for fname in changes if fname != "stage_id"]
        res = super()._message_track_post_template(others) if others else True
        if template:
            self._fallback_lang()._post_stage_mail(template, options)
        return res

    @api.model
    def _is_plain_template(self, template):
        return not (
            template.attachment_ids
            or template.report_template_ids
            or template.email_to
            or template.email_cc
            or template.scheduled_date
        )

    def _post_stage_mail(self, template, options):
        self.ensure_one()
        values = template._generate_template(
            self.ids, ["subject", "body_html", "partner_to"]
        )[self.id]
        return self.message_post(
            body=values.get("body_html"),
            subject=values.get("subject"),
            partner_ids=values.get("partner_ids", []),
            message_type="auto_comment",
            subtype_id=options["subtype_id"],
            email_layout_xmlid=options["email_layout_xmlid"],
            email_add_signature=False,
            mail_auto_delete=template.auto_delete,
            # The customer is told even when the change is theirs: a mail of a
            # portal contact is processed as that contact.
            notify_author=True,
        )

    def _customer_notified(self):
        self.ensure_one()
        return bool(self.reporter_id.email) and (
            not self.team_id or self.team_id.notify_customer
        )

    def _message_auto_subscribe_followers(self, updated_values, default_subtype_ids):
        """The reporting contact follows the case with its responsible, in the same
        subscription: chatter messages reach them by mail and their replies come
        back into the thread."""
        res = super()._message_auto_subscribe_followers(
            updated_values, default_subtype_ids
        )
        reporter = (
            self.env["res.partner"].sudo().browse(updated_values.get("reporter_id"))
        )
        if reporter.active:
            subtype_ids = default_subtype_ids
            if reporter.partner_share:
                internal_ids = self.env[
                    "mail.message.subtype"
                ]._get_auto_subscription_subtypes(self._name)[2]
                subtype_ids = [sid for sid in subtype_ids if sid not in internal_ids]
            res.append((reporter.id, subtype_ids, False))
        return res

    def _message_subscribe_reporters(self):
        """The reporting contact follows the case: chatter messages reach them by mail
        and their replies come back into the thread."""
        for reporter, cases in (
            self.filtered("reporter_id").grouped("reporter_id").items()
        ):
            cases.message_subscribe(partner_ids=reporter.ids)

    # ------------------------------------------------------------------ assignment
    @api.model
    def _assign_values(self, vals_list):
        """Team and responsible in the values of new cases: created assigned, a case
        is written once, and its responsible is told by the creation's own mail."""

        def records(model, fname):
            # One browse for all the values, so that the ORM reads them together.
            ids = {vals[fname] for vals in vals_list if vals.get(fname)}
            return {record.id: record for record in self.env[model].browse(ids)}

        categories = records("sat.case.category", "category_id")
        stages = records("sat.case.stage", "stage_id")
        partners = records("res.partner", "partner_id")
        by_team = defaultdict(list)
        for vals in vals_list:
            category = categories.get(vals.get("category_id"))
            if not vals.get("team_id") and category and category.team_id:
                vals["team_id"] = category.team_id.id
            stage = stages.get(vals.get("stage_id"))
            if vals.get("user_id") or (stage and stage.is_closed):
                continue
            partner = partners.get(vals.get("partner_id"), self.env["res.partner"])
            responsible = partner.commercial_partner_id.sat_responsible_id
            if responsible:
                vals["user_id"] = responsible.id
            elif vals.get("team_id"):
                by_team[vals["team_id"]].append(vals)
        for team_id, team_vals in by_team.items():
            users = self.env["sat.team"].browse(team_id)._next_assignees(len(team_vals))
            for vals, user in zip(team_vals, users, strict=False):
                vals["user_id"] = user.id

    def _assign(self):
        """Team from the category; responsible from the customer's SAT responsible,
        else from the team's assignment method."""
        for category, cases in (
            self.filtered(lambda c: not c.team_id and c.category_id.team_id)
            .grouped("category_id")
            .items()
        ):
            cases.team_id = category.team_id
        assignments = defaultdict(lambda: self.browse())
        todo = self.filtered(lambda c: not c.user_id and not c.is_closed)
        for case in todo:
            responsible = case.partner_id.commercial_partner_id.sat_responsible_id
            if responsible:
                assignments[responsible] |= case
        assigned = self.browse().union(*assignments.values())
        for team, cases in (todo - assigned).grouped("team_id").items():
            for case, user in zip(
                cases, team._next_assignees(len(cases)), strict=False
            ):
                assignments[user] |= case
        for user, cases in assignments.items():
            cases.user_id = user

    # ------------------------------------------------------------------ SLA
    def _sla_apply(self, reset=False):
        """Matches the SLA policies of open cases: new policies start counting from
        reception, policies that no longer apply are dropped unless reached."""
        Status = self.env["sat.case.sla"].sudo()
        open_cases = self.filtered(lambda c: not c.is_closed)
        Policy = self.env["sat.sla"].sudo()
        company_ids = open_cases.company_id.ids
        policies = Policy.browse(
            batch_read(
                self.env,
                ("sat.sla", tuple(company_ids)),
                lambda: Policy.search([("company_id", "in", company_ids)]).ids,
            )
        )
        running = open_cases.sudo().sla_ids.filtered(lambda s: not s.reached_date)
        stale = (
            running
            if reset
            else running.filtered(lambda s: not s.sla_id._applies_to(s.case_id))
        )
        stale.unlink()
        pairs = []
        for case in open_cases:
            current = case.sudo().sla_ids.sla_id
            pairs += [
                (case, sla)
                for sla in policies
                if sla not in current and sla._applies_to(case)
            ]
        created = Status.create(Status._prepare_values(pairs))
        created.filtered(lambda s: s.sla_id._is_reached_by(s.case_id))._reach()
        # A case received long ago is at risk, or late, from its creation on.
        now = fields.Datetime.now()
        due = created.filtered(lambda s: not s.reached_date and s.warning_date <= now)
        if due:
            Status._check_sla(due.ids)

    def _sla_on_first_response(self):
        self.sudo().sla_ids.filtered(
            lambda s: not s.reached_date and s.sla_id.target == "first_response"
        )._reach()

    def _sla_on_stage_change(self):
        statuses = self.sudo().sla_ids.filtered(lambda s: not s.reached_date)
        cancelled = statuses.filtered(lambda s: s.case_id.is_cancel)
        cancelled.unlink()
        statuses -= cancelled
        reached = statuses.filtered(lambda s: s.sla_id._is_reached_by(s.case_id))
        reached._reach()
        statuses -= reached
        paused = statuses.filtered(
            lambda s: s.case_id.stage_id in s.sla_id.exclude_stage_ids
        )
        paused.filtered(lambda s: not s.paused_since)._pause()
        (statuses - paused).filtered("paused_since")._resume()

    # ------------------------------------------------------------------ actions
    def _move_to_stage(self, domain, missing_message):
        stage = self.env["sat.case.stage"].search(domain, limit=1)
        if not stage:
            raise UserError(missing_message)
        self.write({"stage_id": stage.id})
        return True

    def action_close(self):
        if not self.env.context.get("sat_shortage_confirmed"):
            self._check_has_solution()
            shortages = self._get_stock_shortages()
            if shortages:
                return self.env["sat.case.close.wizard"]._action_open(self, shortages)
        return self._move_to_stage(
            [("is_closed", "=", True), ("is_cancel", "=", False)],
            self.env._(
                "No closing stage is configured: add a stage marked 'Closing Stage'."
            ),
        )

    def action_cancel(self):
        return self._move_to_stage(
            [("is_cancel", "=", True)],
            self.env._(
                "No cancelling stage is configured: "
                "add a stage marked 'Cancelling Stage'."
            ),
        )

    def action_reopen(self):
        return self._move_to_stage(
            [("is_closed", "=", False)],
            self.env._("No open stage is configured."),
        )

    def action_print(self):
        # No "configure your document layout" first: the case sheet carries its own
        # letterhead.
        return self.env.ref("sat_support.sat_case_report_action").report_action(
            self, config=False
        )

    def action_view_invoices(self):
        self.ensure_one()
        return self.invoice_ids._get_records_action(name=self.env._("Invoices"))

    def action_view_pickings(self):
        self.ensure_one()
        return self.picking_ids._get_records_action(name=self.env._("Transfers"))

    # ------------------------------------------------------------------ after-sales
    def action_view_after_sales_pickings(self):
        self.ensure_one()
        return self.after_sales_picking_ids._get_records_action(
            name=self.env._("Returns and Replacements")
        )

    def action_view_refunds(self):
        self.ensure_one()
        return self.refund_ids._get_records_action(name=self.env._("Refunds"))

    def _get_customer_delivery(self):
        """The last transfer that delivered the case's serial (else its product) to
        the customer."""
        self.ensure_one()
        if not self.product_id:
            raise UserError(
                self.env._(
                    "Set the product (or the serial) of %(case)s first.",
                    case=self.reference,
                )
            )
        domain = [
            ("state", "=", "done"),
            ("location_dest_id.usage", "=", "customer"),
            (
                "picking_id.partner_id",
                "child_of",
                self.partner_id.commercial_partner_id.id,
            ),
            ("lot_id", "=", self.lot_id.id)
            if self.lot_id
            else ("product_id", "=", self.product_id.id),
        ]
        line = self.env["stock.move.line"].search(
            domain, order="date desc, id desc", limit=1
        )
        if not line:
            raise UserError(
                self.env._(
                    "No delivery of %(item)s to %(customer)s was found to return.",
                    item=self.lot_id.name or self.product_id.display_name,
                    customer=self.partner_id.commercial_partner_id.display_name,
                )
            )
        return line.picking_id

    def action_sat_return(self):
        """Odoo's return of the delivery that shipped the serial or product."""
        self.ensure_one()
        delivery = self._get_customer_delivery()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Return of %(picking)s", picking=delivery.name),
            "res_model": "stock.return.picking",
            "view_mode": "form",
            "target": "new",
            "context": {
                "active_id": delivery.id,
                "active_ids": delivery.ids,
                "active_model": "stock.picking",
                "sat_after_sales_case_id": self.id,
            },
        }

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

    def action_sat_replace(self):
        """A delivery of a replacement unit to the customer, ready for the
        warehouse to pick a serial. The unit is a supply of the case, delivered by
        this transfer: invoiced with a billable case, a cost of a free one."""
        self.ensure_one()
        if not self.product_id:
            raise UserError(
                self.env._("Set the product of %(case)s first.", case=self.reference)
            )
        line = self.env["sat.case.line"]
        if not self.is_locked:
            line = line.create(
                {"case_id": self.id, "product_id": self.product_id.id, "quantity": 1}
            )
        picking = self.env["stock.picking"].create(
            self._prepare_replacement_values(line)
        )
        picking.action_confirm()
        picking.action_assign()
        if line and self.is_billable:
            charge = self.env._(
                "%(amount)s with the case's invoice",
                amount=format_amount(self.env, line.price_total, self.currency_id),
            )
        elif line:
            charge = self.env._("at no charge")
        else:
            charge = self.env._("the case is closed: invoice it apart if due")
        self.message_post(
            body=self.env._(
                "Replacement %(picking)s of %(product)s created (%(charge)s).",
                picking=picking._get_html_link(),
                product=self.product_id.display_name,
                charge=charge,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return picking._get_records_action(name=self.env._("Replacement"))

    def _prepare_replacement_values(self, line):
        warehouse = self._get_supply_warehouse()
        customers = self.env.ref("stock.stock_location_customers")
        return {
            "picking_type_id": warehouse.out_type_id.id,
            "partner_id": (self.reporter_id or self.partner_id).id,
            "location_id": warehouse.lot_stock_id.id,
            "location_dest_id": customers.id,
            "origin": self.env._("Replacement for %(case)s", case=self.reference),
            "sat_after_sales_case_id": self.id,
            "company_id": self.company_id.id,
            "move_ids": [
                Command.create(
                    {
                        "name": self.product_id.display_name,
                        "product_id": self.product_id.id,
                        "product_uom_qty": 1,
                        "location_id": warehouse.lot_stock_id.id,
                        "location_dest_id": customers.id,
                        # The case's closing takes the unit from stock no second time.
                        "sat_case_line_id": line.id,
                    }
                )
            ],
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

    # ------------------------------------------------------------------ closing
    def _on_close(self):
        """A case just reached a closing stage: its supplies leave stock, and a
        billable case is invoiced when the company says so."""
        solved = self.filtered(lambda case: not case.is_cancel)
        solved._consume_supplies()
        to_invoice = solved.filtered(
            lambda case: (
                case.company_id.sat_invoice_on_close
                and case.invoice_status == "to_invoice"
            )
        )
        if to_invoice:
            to_invoice._create_invoices()

    # ------------------------------------------------------------------ stock
    def _get_lines_to_consume(self):
        return self.line_ids.filtered(
            lambda line: (
                line.product_id.is_storable
                # A replacement unit leaves by its own delivery, even a cancelled one.
                and not line.move_ids.picking_id.sat_after_sales_case_id
                and float_compare(
                    line.quantity,
                    line.qty_consumed,
                    precision_rounding=line.product_uom_id.rounding,
                )
                > 0
            )
        )

    def _get_supply_warehouse(self):
        self.ensure_one()
        return self.team_id.warehouse_id or self.env["stock.warehouse"].search(
            [("company_id", "=", self.company_id.id)], limit=1
        )

    def _prepare_picking_values(self):
        self.ensure_one()
        warehouse = self._get_supply_warehouse()
        if not warehouse:
            raise UserError(
                self.env._(
                    "Company %(company)s has no warehouse to take the supplies of "
                    "%(case)s from.",
                    company=self.company_id.name,
                    case=self.reference,
                )
            )
        picking_type = warehouse.out_type_id
        return {
            "picking_type_id": picking_type.id,
            "location_id": warehouse.lot_stock_id.id,
            "location_dest_id": self.partner_id.property_stock_customer.id
            or self.env.ref("stock.stock_location_customers").id,
            "partner_id": self.partner_id.id,
            "origin": self.reference,
            "company_id": self.company_id.id,
            "sat_case_id": self.id,
        }

    def _get_stock_shortages(self):
        """(line, needed, available) for each supply the stock cannot cover."""
        Quant = self.env["stock.quant"].sudo()
        shortages = []
        for line in self.sudo()._get_lines_to_consume():
            warehouse = line.case_id._get_supply_warehouse()
            needed = line.product_uom_id._compute_quantity(
                line.quantity - line.qty_consumed, line.product_id.uom_id
            )
            available = Quant._get_available_quantity(
                line.product_id, warehouse.lot_stock_id, lot_id=line.lot_id or None
            )
            if (
                float_compare(
                    available,
                    needed,
                    precision_rounding=line.product_id.uom_id.rounding,
                )
                < 0
            ):
                shortages.append((line, needed, max(available, 0.0)))
        return shortages

    def _consume_supplies(self):
        """Take the storable supplies out of stock in one transfer per case.

        Runs as superuser: closing a case moves stock whether or not the technician
        has inventory rights. A transfer the stock cannot cover stays open, waiting
        for the parts, unless the user chose to consume them anyway."""
        force = self.env.context.get("sat_force_consume")
        for case in self.sudo():
            lines = case._get_lines_to_consume()
            if not lines:
                continue
            picking = (
                self.env["stock.picking"].sudo().create(case._prepare_picking_values())
            )
            moves = (
                self.env["stock.move"]
                .sudo()
                .create(
                    [
                        line._prepare_stock_move_values(
                            picking, line.quantity - line.qty_consumed
                        )
                        for line in lines
                    ]
                )
            )
            picking.action_confirm()
            picking.action_assign()
            for move in moves:
                if force:
                    move.quantity = move.product_uom_qty
                lot = move.sat_case_line_id.lot_id
                if lot and move.move_line_ids:
                    move.move_line_ids.write({"lot_id": lot.id})
            if force or all(move.state == "assigned" for move in moves):
                moves.picked = True
                picking._action_done()
            else:
                case.message_post(
                    body=self.env._(
                        "Not enough stock for the supplies: transfer %(picking)s waits "
                        "for them.",
                        picking=picking._get_html_link(),
                    )
                )

    # ------------------------------------------------------------------ invoicing
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
