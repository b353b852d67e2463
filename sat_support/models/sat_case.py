from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import is_html_empty

CASE_TYPES = [
    ("warranty", "Warranty"),
    ("courtesy", "Courtesy"),
    ("billable", "Billable"),
]
PRIORITIES = [
    ("0", "Low"),
    ("1", "Medium"),
    ("2", "High"),
]


class SatCase(models.Model):
    _name = "sat.case"
    _description = "Support Case"
    _inherit = [
        "mail.thread.cc",
        "mail.activity.mixin",
        "mail.tracking.duration.mixin",
    ]
    _order = "priority desc, date_received desc, id desc"
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
    diagnosis = fields.Html(
        help="The analysis of the symptom: what causes the failure."
    )
    solution = fields.Html(
        help="The work done to solve the problem. Required to close the case."
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
    has_tracking = fields.Selection(
        related="product_id.tracking", string="Product Tracking"
    )

    # Assignment and progress
    category_id = fields.Many2one("sat.case.category", index=True, tracking=True)
    team_id = fields.Many2one("sat.team", index=True, tracking=True, check_company=True)
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        index=True,
        tracking=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
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
    is_locked = fields.Boolean(
        compute="_compute_is_locked",
        help="Closed cases are read-only for everyone but SAT managers.",
    )

    # Supplies
    line_ids = fields.One2many("sat.case.line", "case_id", string="Supplies", copy=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_untaxed = fields.Monetary(
        string="Untaxed Amount", compute="_compute_amounts", store=True
    )
    amount_tax = fields.Monetary(string="Taxes", compute="_compute_amounts", store=True)
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amounts", store=True
    )
    tax_totals = fields.Binary(compute="_compute_tax_totals", exportable=False)

    _sql_constraints = [
        (
            "reference_company_uniq",
            "UNIQUE(reference, company_id)",
            "The case reference must be unique per company.",
        ),
    ]

    # ------------------------------------------------------------------ defaults
    def _default_stage_id(self):
        return self.env["sat.case.stage"].search([("is_closed", "=", False)], limit=1)

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        # Every stage is a kanban column, even an empty one; stages are few.
        return stages.search([], order=stages._order)  # pylint: disable=no-search-all

    # ------------------------------------------------------------------ computes
    @api.depends("partner_id")
    def _compute_reporter_id(self):
        for case in self:
            if (
                case.partner_id
                and case.reporter_id.commercial_partner_id != case.partner_id
            ):
                case.reporter_id = case.partner_id

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

    @api.depends("is_closed")
    @api.depends_context("uid")
    def _compute_is_locked(self):
        manager = self.env.user.has_group("sat_support.group_sat_manager")
        for case in self:
            case.is_locked = case.is_closed and not manager

    def _get_tax_base_lines(self):
        self.ensure_one()
        base_lines = [
            line._prepare_base_line_for_taxes_computation() for line in self.line_ids
        ]
        AccountTax = self.env["account.tax"]
        AccountTax._add_tax_details_in_base_lines(base_lines, self.company_id)
        AccountTax._round_base_lines_tax_details(base_lines, self.company_id)
        return base_lines

    @api.depends("line_ids.price_subtotal", "line_ids.price_tax", "company_id")
    def _compute_amounts(self):
        AccountTax = self.env["account.tax"]
        for case in self:
            totals = AccountTax._get_tax_totals_summary(
                base_lines=case._get_tax_base_lines(),
                currency=case.currency_id,
                company=case.company_id,
            )
            case.amount_untaxed = totals["base_amount_currency"]
            case.amount_tax = totals["tax_amount_currency"]
            case.amount_total = totals["total_amount_currency"]

    @api.depends_context("lang")
    @api.depends("line_ids.price_subtotal", "line_ids.price_tax", "company_id")
    def _compute_tax_totals(self):
        AccountTax = self.env["account.tax"]
        for case in self:
            case.tax_totals = AccountTax._get_tax_totals_summary(
                base_lines=case._get_tax_base_lines(),
                currency=case.currency_id,
                company=case.company_id,
            )

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

    @api.constrains("stage_id", "solution")
    def _check_solution(self):
        for case in self:
            if case.is_closed and not case.is_cancel and is_html_empty(case.solution):
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
        sequence = self.env["ir.sequence"]
        for vals in vals_list:
            if not vals.get("reference") or vals["reference"] == self.env._("New"):
                company = (
                    self.env["res.company"].browse(vals.get("company_id"))
                    or self.env.company
                )
                vals["reference"] = (
                    sequence.with_company(company).next_by_code("sat.case") or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        self._check_locked(vals)
        return super().write(vals)

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
    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values:
            return self.env.ref("sat_support.mt_case_stage")
        return super()._track_subtype(init_values)

    @api.model
    def _mail_get_partner_fields(self, introspect_fields=False):
        return ["reporter_id"]

    # ------------------------------------------------------------------ actions
    def _move_to_stage(self, domain, missing_message):
        stage = self.env["sat.case.stage"].search(domain, limit=1)
        if not stage:
            raise UserError(missing_message)
        self.write({"stage_id": stage.id})
        return True

    def action_close(self):
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
        return self.env.ref("sat_support.sat_case_report_action").report_action(self)
