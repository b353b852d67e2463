from collections import defaultdict
from textwrap import shorten

from babel.dates import format_timedelta
from lxml.builder import E

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.osv import expression
from odoo.tools import html2plaintext
from odoo.tools.misc import get_lang
from odoo.tools.sql import create_index

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


def _is_follower_leaf(leaf):
    return isinstance(leaf, (list, tuple)) and leaf[0] == "message_partner_ids"


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

    # The form's proposals follow the assignment rule (sat.team._assign) without
    # taking a team member's turn: that is done once the case is saved.
    @api.depends("category_id")
    def _compute_team_id(self):
        Empty = self.env
        answers = self.env["sat.team"]._assign(
            [
                (case.category_id, case.team_id, Empty["res.partner"], False, True)
                for case in self
            ],
            next_member=False,
        )
        for case, (team, _user) in zip(self, answers, strict=True):
            case.team_id = team

    @api.depends("partner_id")
    def _compute_user_id(self):
        Empty = self.env
        answers = self.env["sat.team"]._assign(
            [
                (
                    Empty["sat.case.category"],
                    Empty["sat.team"],
                    case.partner_id,
                    case.user_id,
                    case.is_closed,
                )
                for case in self
            ],
            next_member=False,
        )
        for case, (_team, user) in zip(self, answers, strict=True):
            case.user_id = user

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
        for calendar, cases in closed.grouped(
            lambda c: c.company_id.resource_calendar_id
        ).items():
            spans = [(case.date_received, case.date_closed) for case in cases]
            for case, hours in zip(cases, calendar._sat_work_hours(spans), strict=True):
                case.work_hours_to_close = hours

    @api.depends("is_closed")
    @api.depends_context("uid")
    def _compute_is_locked(self):
        manager = self.env.user.has_group("sat_support.group_sat_manager")
        for case in self:
            case.is_locked = case.is_closed and not manager

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

    # ---------------------------------------------------------------- access
    def _check_access(self, operation):
        """Odoo checks the cases a read returns against the rules in Python. The
        SAT users' clause on followed cases needs every case's followers: it is
        checked only on the cases the other clauses do not let in (a page of the
        user's teams needs no follower read)."""
        if self.env.su or not (self._ids and all(self._ids)):
            return super()._check_access(operation)
        domain = self.env["ir.rule"]._compute_domain(self._name, operation)
        if (
            not domain
            or "!" in domain
            or not any(map(_is_follower_leaf, domain))
            or not self.env["ir.model.access"].check(
                self._name, operation, raise_exception=False
            )
        ):
            return super()._check_access(operation)
        # Without negation, a clause made false can only let fewer cases in.
        unfollowed = [
            expression.FALSE_LEAF if _is_follower_leaf(leaf) else leaf
            for leaf in domain
        ]
        rest = self - self.sudo().filtered_domain(unfollowed)
        if not rest:
            return None
        rest._prefetch_followers_for_rules()
        return super(SatCase, rest)._check_access(operation)

    def _prefetch_followers_for_rules(self):
        """The followers the rule's clause on followed cases reads, with their
        partners: one query where Odoo makes two."""
        field = self._fields["message_follower_ids"]
        ids = list(self.env.cache.get_missing_ids(self, field))
        if not ids:
            return
        followers = (
            self.env["mail.followers"]
            .sudo()
            .search_fetch(
                [("res_model", "=", self._name), ("res_id", "in", ids)],
                ["res_id", "partner_id"],
            )
        )
        by_case = defaultdict(list)
        for follower in followers:
            by_case[follower.res_id].append(follower.id)
        self.env.cache.insert_missing(
            self.browse(ids), field, [tuple(by_case[id_]) for id_ in ids]
        )

    def _fetch_query(self, query, fields):
        """The activities of the cases a user reads, with the columns the activity
        widgets need, in one query. Odoo reads them through ``mail.activity``'s
        access filter (two queries), then again for their columns (two more)."""
        field = self._fields["activity_ids"]
        if self.env.su or field not in fields or not self._sat_activities_follow_case():
            return super()._fetch_query(query, fields)
        fetched = super()._fetch_query(query, [f for f in fields if f is not field])
        fetched._sat_fetch_activities()
        return fetched

    def _sat_activities_follow_case(self):
        """Whether this user may read exactly the activities of the cases they may
        read, as ``mail.activity._search`` decides: the case's thread is open to its
        readers (``_mail_post_access``) and no rule restricts activities."""
        return (
            self._mail_post_access == "read"
            and self.env["ir.model.access"].check(
                "mail.activity", "read", raise_exception=False
            )
            and not self.env["ir.rule"]._compute_domain("mail.activity", "read")
        )

    def _sat_fetch_activities(self):
        """Fills ``activity_ids`` of readable cases as ``One2many.read`` does, and
        the activities' columns as their first read would (same order, archived
        ones included: the field filters them)."""
        field = self._fields["activity_ids"]
        ids = list(self.env.cache.get_missing_ids(self, field))
        if not ids:
            return
        activity_model = (
            self.env["mail.activity"].sudo().with_context(active_test=False)
        )
        columns = [
            name
            for name, column in activity_model._fields.items()
            if column.prefetch is True and column.store and column.column_type
        ]
        activities = activity_model.search_fetch(
            field.get_domain_list(self) + [("res_id", "in", ids)], columns
        )
        by_case = defaultdict(list)
        for activity in activities:
            by_case[activity.res_id].append(activity.id)
        self.env.cache.insert_missing(
            self.browse(ids), field, [tuple(by_case[id_]) for id_ in ids]
        )
        if not activities:
            return
        # An activity is late or not in its user's time zone: those users are read
        # with the responsibles, customers and reporters the page shows, as the
        # superuser, as Odoo reads those users and the names the web client shows.
        users = activities.user_id | self._sat_cached("user_id")
        contacts = self._sat_cached("partner_id") | self._sat_cached("reporter_id")
        (users.partner_id | contacts).mapped("tz")

    def _sat_cached(self, name):
        """The value of many-to-one ``name`` on the cases that have it in cache."""
        missing = set(self.env.cache.get_missing_ids(self, self._fields[name]))
        return self.browse([id_ for id_ in self._ids if id_ not in missing])[name]

    # ------------------------------------------------------------------ CRUD
    def init(self):
        res = super().init()
        # The list and the kanban read cases in this order, a page at a time: with
        # the index, PostgreSQL reads the first page's rows instead of sorting every
        # case of the highest priority (12 ms to 0.3 ms at 100,000 cases).
        create_index(
            self.env.cr,
            "sat_case_priority_date_received_id_index",
            self._table,
            ["priority DESC", "date_received DESC", "id DESC"],
        )
        return res

    @api.model
    def _next_reference(self, company):
        """Odoo's next_by_code, with the company's sequence found once per group of
        mails."""
        Sequence = self.env["ir.sequence"].with_company(company)
        Sequence.browse().check_access("read")
        sequence = Sequence.browse(
            batch_read(
                self.env,
                ("ir.sequence", "sat.case", company.id),
                lambda: (
                    Sequence.search(
                        [
                            ("code", "=", "sat.case"),
                            ("company_id", "in", [company.id, False]),
                        ],
                        order="company_id",
                        limit=1,
                    ).ids
                ),
            )
        )
        return sequence._next() if sequence else "/"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_user_values(vals)
        default_stage = self._default_stage_id()
        for vals in vals_list:
            # Explicit, so that the first stage's mail (the acknowledgement) is sent.
            vals.setdefault("stage_id", default_stage.id)
            if not vals.get("reference") or vals["reference"] == self.env._("New"):
                company = (
                    self.env["res.company"].browse(vals.get("company_id"))
                    or self.env.company
                )
                vals["reference"] = self._next_reference(company)
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
        self.env["sat.case.sla"]._update_for_cases(cases)
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
        self.env["sat.case.sla"]._update_for_cases(self, vals)
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
        case = self
        if self._is_opening_mail_of_reporter(kwargs.get("author_id")):
            # Its author follows the case since its creation, with the responsible
            # (_message_auto_subscribe_followers): Odoo would look the followers
            # up again to subscribe them.
            case = self.with_context(mail_create_nosubscribe=True)
        return super(SatCase, case).message_post(**kwargs)

    def _is_opening_mail_of_reporter(self, author_id):
        return bool(
            self.env.context.get("sat_mail_intake")
            and len(self) == 1
            and author_id
            and author_id == self.reporter_id.id
            and self.create_date == self.env.cr.now()
        )

    def _message_post_after_hook(self, message, msg_values):
        """The first public answer of a staff member is the case's first response,
        for its SLA and for the statistics alike."""
        res = super()._message_post_after_hook(message, msg_values)
        if (
            not self.date_first_response
            and message.message_type == "comment"
            and message.subtype_id.id
            == self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
            and message.author_id.user_ids.filtered(lambda user: not user.share)
        ):
            # The SLA statuses follow the write.
            self.sudo().date_first_response = message.date
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

    def _subtype(self, xmlid):
        # Not env.ref, which checks in the database that the record exists, for
        # every case a group of mails creates.
        return self.env["mail.message.subtype"].browse(
            self.env["ir.model.data"]._xmlid_to_res_id(xmlid)
        )

    def _creation_subtype(self):
        return self._subtype("sat_support.mt_case_new")

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "stage_id" in init_values:
            return self._subtype("sat_support.mt_case_stage")
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
            return self.env[model].browse(ids).grouped("id")

        categories = records("sat.case.category", "category_id")
        teams = records("sat.team", "team_id")
        stages = records("sat.case.stage", "stage_id")
        partners = records("res.partner", "partner_id")
        users = records("res.users", "user_id")
        Empty = self.env
        answers = self.env["sat.team"]._assign(
            [
                (
                    categories.get(vals.get("category_id"), Empty["sat.case.category"]),
                    teams.get(vals.get("team_id"), Empty["sat.team"]),
                    partners.get(vals.get("partner_id"), Empty["res.partner"]),
                    users.get(vals.get("user_id"), Empty["res.users"]),
                    stages.get(vals.get("stage_id"), Empty["sat.case.stage"]).is_closed,
                )
                for vals in vals_list
            ]
        )
        for vals, (team, user) in zip(vals_list, answers, strict=True):
            if team:
                vals["team_id"] = team.id
            if user:
                vals["user_id"] = user.id

    def _assign(self):
        """The assignment rule on saved cases: what their values did not settle."""
        changes = defaultdict(lambda: self.browse())
        answers = self.env["sat.team"]._assign(
            [
                (
                    case.category_id,
                    case.team_id,
                    case.partner_id,
                    case.user_id,
                    case.is_closed,
                )
                for case in self
            ]
        )
        for case, (team, user) in zip(self, answers, strict=True):
            # Only what changes: a team written again would apply the SLA again.
            values = {}
            if team != case.team_id:
                values["team_id"] = team.id
            if user != case.user_id:
                values["user_id"] = user.id
            if values:
                changes[tuple(values.items())] |= case
        for values, cases in changes.items():
            cases.write(dict(values))

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
