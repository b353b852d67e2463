import re

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools.mail import email_split_and_format, parse_contact_from_email
from odoo.tools.misc import format_date

from .sat_case_classifier_term import clean_body
from .stock_lot import warranty_covered, warranty_day

# What a serial number looks like when a customer writes it: letters and digits with
# dashes or slashes, at least one digit (X200-2026-0005, SN12345).
SERIAL_RE = re.compile(r"(?<![\w/-])[A-Za-z0-9][\w/.-]{2,38}[A-Za-z0-9](?![\w/-])")
MAX_SERIALS = 40
# Addresses anyone can have: their domain says nothing of the sender's company.
# More in the system parameter ``sat_support.public_mail_domains`` (comma-separated).
PUBLIC_MAIL_DOMAINS = {
    "aol.com",
    "gmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.es",
    "googlemail.com",
    "hotmail.com",
    "hotmail.es",
    "icloud.com",
    "live.com",
    "me.com",
    "msn.com",
    "outlook.com",
    "outlook.es",
    "proton.me",
    "protonmail.com",
    "telefonica.net",
    "yahoo.com",
    "yahoo.es",
    "yandex.com",
}


class SatCase(models.Model):
    """What a new case gets from what it is about, apart from the case's own file:
    its category, criticality and serial from its words, and the warranty of that
    serial."""

    _inherit = "sat.case"  # pylint: disable=consider-merging-classes-inherited

    category_origin = fields.Selection(
        [
            ("manual", "Set by a Person"),
            ("rule", "Rule"),
            ("learned", "Learned from Past Cases"),
        ],
        string="Category Set by",
        compute="_compute_category_origin",
        store=True,
        readonly=False,
        precompute=True,
        copy=False,
        help="A category set or corrected by a person teaches the classifier at its "
        "next training, as the categories of closed cases do.",
    )
    category_confidence = fields.Float(
        string="Classification Confidence",
        readonly=True,
        copy=False,
        help="How sure the classifier was of the category it learned from past "
        "cases; below the company's threshold the category is left to a person.",
    )

    merged_into_id = fields.Many2one(
        "sat.case",
        string="Merged into",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="This case was a duplicate: its messages, attachments, followers and "
        "supplies are on the case it was merged into.",
    )

    warranty_status = fields.Selection(
        [("covered", "Under Warranty"), ("expired", "Warranty Expired")],
        compute="_compute_warranty_status",
        help="The serial's warranty on the day the case was received.",
    )
    warranty_info = fields.Char(string="Warranty", compute="_compute_warranty_status")

    @api.depends("category_id")
    def _compute_category_origin(self):
        # Whoever writes the category without saying otherwise is a person.
        for case in self:
            case.category_origin = "manual" if case.category_id else False

    @api.onchange("name", "symptom")
    def _onchange_suggest_category(self):
        """A new case typed in the form gets the category its words suggest, which
        the agent keeps or changes before saving."""
        if self._origin.id or (self.category_id and self.category_origin != "learned"):
            return
        company = self.company_id or self.env.company
        text = f"{self.name or ''}\n{clean_body(self.symptom)}"
        category, confidence = self.env["sat.case.classifier.term"]._guess(
            company, text
        )
        if confidence < company.sat_classify_threshold:
            category = category.browse()
        self.category_id = category
        self.category_origin = "learned" if category else False
        self.category_confidence = confidence if category else 0.0

    @api.model
    def _classify_values(self, vals, sender_email=None):
        """Category, criticality, serial and product of a new case from what its mail
        says: the administrators' rules first, then what the company's past cases
        teach, when sure enough. At most two queries (learned weights, serials)."""
        company = (
            self.env["res.company"].browse(vals.get("company_id")) or self.env.company
        )
        facts = self._get_classification_facts(vals, sender_email)
        rules = self.env["sat.classification.rule"]._match(company, facts)
        result = {}
        if "priority" in rules:
            result["priority"] = rules["priority"]["priority"]
        if not vals.get("category_id"):
            result.update(self._classify_category(company, facts, rules))
        if not vals.get("lot_id") and facts["account_id"]:
            lot = self._find_customer_serial(company, facts)
            if lot:
                result.update(lot_id=lot["id"], product_id=lot["product_id"])
                day = warranty_day(
                    self, fields.Datetime.to_datetime(vals.get("date_received"))
                )
                if "case_type" not in vals:
                    covered = warranty_covered(
                        lot["sat_warranty_start"], lot["sat_warranty_end"], day
                    )
                    result.update(self._propose_case_type(covered))
        return result

    # ------------------------------------------------------------------ mail
    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A mail to a team's support address (its Odoo alias): a case of the
        sender's company, classified and assigned as one typed in the form."""
        values = {
            **self._prepare_mail_case_values(msg_dict, custom_values or {}),
            **(custom_values or {}),
        }
        # Classified before it is created, so that the category's team and member
        # take it in the same transaction.
        values.update(
            self._classify_values(values, sender_email=msg_dict.get("email_from"))
        )
        reporter = self.env["res.partner"].browse(values.get("reporter_id"))
        if (
            not msg_dict.get("author_id")
            and reporter.email_normalized
            and (
                reporter.email_normalized
                == tools.email_normalize(msg_dict.get("email_from"))
            )
        ):
            # The contact just found, or made, for the case writes it: not searched
            # for a second time by its message.
            msg_dict["author_id"] = reporter.id
        return super(SatCase, self.with_context(sat_mail_intake=True)).message_new(
            msg_dict, values
        )

    @api.model
    def _prepare_mail_case_values(self, msg_dict, custom_values):
        company = self._get_mail_case_company(custom_values)
        account, reporter = self._find_mail_customer(msg_dict, company)
        return {
            "name": msg_dict.get("subject") or self.env._("(no subject)"),
            "partner_id": account.id,
            "reporter_id": reporter.id,
            "date_received": msg_dict.get("date") or fields.Datetime.now(),
            "symptom": msg_dict.get("body"),
            "company_id": company.id,
        }

    def _notify_get_reply_to(self, default=None):
        """Answers come back to the team's support address, where the mail's
        references find the case."""
        reply_to = {}
        teams = self.sudo().team_id.filtered("alias_email")
        by_team = self.filtered(lambda case: case.sudo().team_id in teams)
        for case in by_team:
            team = case.sudo().team_id
            reply_to[case.id] = self._notify_get_reply_to_formatted_email(
                team.alias_email, case.display_name, company=case.company_id
            )
        others = self - by_team
        if others or not self:
            reply_to.update(
                super(SatCase, others)._notify_get_reply_to(default=default)
            )
        return reply_to

    @api.model
    def _get_mail_case_company(self, custom_values):
        team = self.env["sat.team"].sudo().browse(custom_values.get("team_id"))
        return team.company_id or self.env.company

    @api.model
    def _find_mail_customer(self, msg_dict, company):
        """The customer account and reporting contact of a mail from outside a
        customer's mailbox: the sender's company when the sender is a known contact;
        else the one customer whose addresses share the sender's domain, the sender
        becoming its contact; else none, left to an agent, the sender kept as a
        person to answer. Never a new company."""
        Partner = self.env["res.partner"].sudo()
        emails = email_split_and_format(msg_dict.get("email_from") or "")
        email = tools.email_normalize(emails[0]) if emails else False
        if not email or self.env["res.users"].sudo().search_count(
            [("email_normalized", "=", email), ("share", "=", False)], limit=1
        ):
            # Our own staff writing to our address reports for no customer.
            return Partner, Partner
        ours = self.env["res.company"].sudo().search([]).partner_id
        known = Partner.search(
            [
                ("email_normalized", "=", email),
                ("company_id", "in", [False, company.id]),
                ("commercial_partner_id", "not in", ours.ids),
            ],
            order="id",
        )
        contact = known.filtered(lambda partner: not partner._sat_is_stranger())[:1]
        if contact:
            return contact.commercial_partner_id, contact
        account = self._find_customer_by_domain(email, company, ours)
        name, address = parse_contact_from_email(emails[0])
        if account:
            return account, Partner.create(
                {"name": name or address, "email": address, "parent_id": account.id}
            )
        return Partner, known[:1] or Partner.create(
            {"name": name or address, "email": address}
        )

    @api.model
    def _find_customer_by_domain(self, email, company, excluded):
        domain = email.rpartition("@")[2]
        public = PUBLIC_MAIL_DOMAINS | {
            name.strip().lower()
            for name in self.env["ir.config_parameter"]
            .sudo()
            .get_param("sat_support.public_mail_domains", "")
            .split(",")
        }
        if not domain or domain in public:
            return self.env["res.partner"]
        accounts = (
            self.env["res.partner"]
            .sudo()
            ._read_group(
                [
                    ("email_normalized", "=like", "%@" + domain.replace("_", r"\_")),
                    ("company_id", "in", [False, company.id]),
                    ("commercial_partner_id", "not in", excluded.ids),
                    # Customers, not the people of no company who wrote before.
                    "|",
                    ("commercial_partner_id.is_company", "=", True),
                    ("commercial_partner_id.customer_rank", ">", 0),
                ],
                ["commercial_partner_id"],
                limit=2,
            )
        )
        # Two customers on one domain (a reseller, a shared host): an agent decides.
        return accounts[0][0] if len(accounts) == 1 else self.env["res.partner"]

    @api.model
    def _get_classification_facts(self, vals, sender_email):
        account = (
            self.env["res.partner"]
            .browse(vals.get("partner_id"))
            .sudo()
            .commercial_partner_id
        )
        email = tools.email_normalize(sender_email or "") or ""
        return {
            "subject": vals.get("name") or "",
            "body": clean_body(vals.get("symptom")),
            "sender_domain": email.rpartition("@")[2],
            "account_id": account.id,
        }

    @api.model
    def _classify_category(self, company, facts, rules):
        if "category" in rules:
            return {
                "category_id": rules["category"]["category_id"],
                "category_origin": "rule",
                "category_confidence": 1.0,
            }
        category, confidence = self.env["sat.case.classifier.term"]._guess(
            company, f"{facts['subject']}\n{facts['body']}"
        )
        if not category or confidence < company.sat_classify_threshold:
            # Left to a person ("To Classify"), never to a wrong team.
            return {"category_confidence": confidence}
        return {
            "category_id": category.id,
            "category_origin": "learned",
            "category_confidence": confidence,
        }

    @api.model
    def _find_customer_serial(self, company, facts):
        """The serial number written in the mail that this customer has (delivered
        to it, or already in one of its cases): a row of its id, product and
        warranty dates; None when none or two of them are named."""
        text = f"{facts['subject']}\n{facts['body']}"
        names = {
            word
            for word in SERIAL_RE.findall(text)
            if any(char.isdigit() for char in word)
        }
        if not names:
            return None
        names = sorted(names)[:MAX_SERIALS]
        for model, fnames in (
            ("stock.lot", ["name", "company_id", "product_id", "sat_warranty_end"]),
            ("stock.move.line", ["lot_id", "state", "location_dest_id", "picking_id"]),
            ("stock.picking", ["partner_id"]),
            ("sat.case", ["lot_id", "partner_id"]),
        ):
            self.env[model].flush_model(fnames)
        self.env.cr.execute(
            """
            SELECT lot.id, lot.product_id, lot.sat_warranty_start,
                   lot.sat_warranty_end
              FROM stock_lot lot
             WHERE lot.name = ANY(%(names)s)
               AND (lot.company_id IS NULL OR lot.company_id = %(company)s)
               AND (EXISTS (
                        SELECT 1
                          FROM stock_move_line line
                          JOIN stock_location dest ON dest.id = line.location_dest_id
                          JOIN stock_picking picking ON picking.id = line.picking_id
                          JOIN res_partner partner ON partner.id = picking.partner_id
                         WHERE line.lot_id = lot.id AND line.state = 'done'
                           AND dest.usage = 'customer'
                           AND partner.commercial_partner_id = %(account)s)
                    OR EXISTS (
                        SELECT 1 FROM sat_case c
                         WHERE c.lot_id = lot.id AND c.partner_id IN (
                             SELECT id FROM res_partner
                              WHERE commercial_partner_id = %(account)s)))
             LIMIT 2
            """,
            {"names": names, "company": company.id, "account": facts["account_id"]},
        )
        rows = self.env.cr.dictfetchall()
        return rows[0] if len(rows) == 1 else None

    # ------------------------------------------------------------------ warranty
    @api.depends("lot_id.sat_warranty_end", "date_received")
    # The day a case was received is the user's (stock_lot.warranty_day).
    @api.depends_context("lang", "tz", "uid")
    def _compute_warranty_status(self):
        for case in self:
            covered = case._get_warranty_coverage()
            end = case.lot_id.sat_warranty_end
            if covered is None:
                case.warranty_status = case.warranty_info = False
            elif covered:
                case.warranty_status = "covered"
                case.warranty_info = self.env._(
                    "Under warranty until %(date)s", date=format_date(self.env, end)
                )
            else:
                case.warranty_status = "expired"
                case.warranty_info = self.env._(
                    "Warranty expired on %(date)s", date=format_date(self.env, end)
                )

    def _get_warranty_coverage(self):
        self.ensure_one()
        if not self.lot_id:
            return None
        return self.lot_id.sudo()._sat_is_covered(
            warranty_day(self, self.date_received)
        )

    @api.model
    def _propose_case_type(self, covered):
        """Warranty when covered, billable when expired (courtesy stays a person's
        decision); nothing when the warranty is unknown."""
        if covered is None:
            return {}
        return {"case_type": "warranty" if covered else "billable"}

    @api.onchange("lot_id", "date_received")
    def _onchange_lot_warranty(self):
        self.update(self._propose_case_type(self._get_warranty_coverage()))

    @api.constrains("case_type", "lot_id", "date_received")
    def _check_expired_warranty(self):
        """Warranty on an expired serial is a manager's exception, noted in the
        chatter; courtesy is the usual answer."""
        expired = self.filtered(
            lambda case: (
                case.case_type == "warranty" and case._get_warranty_coverage() is False
            )
        )
        if not expired or self.env.su:
            return
        if not self.env.user.has_group("sat_support.group_sat_manager"):
            case = expired[0]
            raise ValidationError(
                self.env._(
                    "The warranty of serial %(lot)s expired on %(date)s: only a SAT "
                    "manager can make case %(case)s a warranty case. Courtesy is the "
                    "usual answer.",
                    lot=case.lot_id.name,
                    date=format_date(self.env, case.lot_id.sat_warranty_end),
                    case=case.reference,
                )
            )
        for case in expired:
            case.message_post(
                body=self.env._(
                    "Warranty granted by %(user)s although the warranty of serial "
                    "%(lot)s expired on %(date)s.",
                    user=self.env.user.name,
                    lot=case.lot_id.name,
                    date=format_date(self.env, case.lot_id.sat_warranty_end),
                ),
                subtype_xmlid="mail.mt_note",
            )

    # ------------------------------------------------------------------ merge
    def _merge_into(self, target):
        """Merges these duplicate cases (two mails about one fault) into ``target``:
        their messages, attachments, activities, followers, supplies and after-sales
        documents move to it, they are cancelled with a link to it, and the customer
        is told once, on ``target``."""
        duplicates = self - target
        self._check_merge(target)
        ids = duplicates.ids
        self.env["mail.message"].sudo().search(
            [("model", "=", self._name), ("res_id", "in", ids)]
        ).write({"res_id": target.id})
        for model, fname in (
            ("ir.attachment", "res_model"),
            ("mail.activity", "res_model"),
        ):
            self.env[model].sudo().search(
                [(fname, "=", self._name), ("res_id", "in", ids)]
            ).write({"res_id": target.id})
        target.message_subscribe(partner_ids=duplicates.message_partner_ids.ids)
        duplicates.line_ids.write({"case_id": target.id})
        sudo = duplicates.sudo()
        sudo.after_sales_picking_ids.write({"sat_after_sales_case_id": target.id})
        sudo.refund_ids.write({"sat_refund_case_id": target.id})
        # Linked before the cancel: the cancelling stage's mail is not sent.
        sudo.merged_into_id = target
        duplicates.action_cancel()
        for case in duplicates:
            case.message_post(
                body=self.env._(
                    "Merged into %(case)s, where its messages, attachments and "
                    "supplies are now.",
                    case=target._get_html_link(title=target.reference),
                ),
                subtype_xmlid="mail.mt_note",
            )
        target._notify_merge(duplicates)
        return target

    def _check_merge(self, target):
        cases = self | target
        cases.check_access("write")
        if len(cases) < 2:
            raise UserError(self.env._("Choose at least two cases to merge."))
        closed = cases.filtered("is_closed")
        if closed:
            raise UserError(
                self.env._(
                    "Closed or cancelled cases cannot be merged: %(cases)s.",
                    cases=", ".join(closed.mapped("reference")),
                )
            )
        if len(cases.company_id) > 1:
            raise UserError(
                self.env._("Cases of different companies cannot be merged.")
            )
        # One customer's mails must never reach another customer's case.
        if len(cases.partner_id.commercial_partner_id) > 1 or (
            not target.partner_id and self.partner_id
        ):
            raise UserError(
                self.env._(
                    "Cases of different customers cannot be merged: each customer "
                    "sees its cases' messages on the portal. Keep the case with the "
                    "customer."
                )
            )

    def _notify_merge(self, duplicates):
        self.ensure_one()
        references = ", ".join(duplicates.mapped("reference"))
        self.message_post(
            body=self.env._("Cases %(cases)s merged into this one.", cases=references),
            subtype_xmlid="mail.mt_note",
        )
        reporters = (self | duplicates).reporter_id.filtered("email")
        if not reporters or (self.team_id and not self.team_id.notify_customer):
            return
        self.with_context(sat_sending_automatic=True).message_post(
            body=self.env._(
                "Your requests %(cases)s are about the same matter as %(case)s: we "
                "handle them together in %(case)s, which you can answer.",
                cases=references,
                case=self.reference,
            ),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=reporters.ids,
        )

    # ------------------------------------------------------------------ portal
    @api.model
    def _get_portal_units(self, account):
        """What ``account`` was delivered, as the portal offers it for a new case:
        ``{key: {"product", "lot", "label"}}``, serials first, newest first."""
        groups = (
            self.env["stock.move.line"]
            .sudo()
            ._read_group(
                [
                    ("state", "=", "done"),
                    ("location_dest_id.usage", "=", "customer"),
                    ("picking_partner_id", "child_of", account.ids),
                ],
                ["product_id", "lot_id"],
                ["date:max"],
                order="date:max desc",
            )
        )
        units = {}
        for product, lot, _date in groups:
            if lot:
                end = lot.sat_warranty_end
                covered = lot._sat_is_covered(warranty_day(self))
                label = f"{product.display_name} — {lot.name}"
                if covered:
                    label += " · " + self.env._(
                        "under warranty until %(date)s",
                        date=format_date(self.env, end),
                    )
                units[f"lot-{lot.id}"] = {
                    "product": product,
                    "lot": lot,
                    "label": label,
                }
            else:
                units.setdefault(
                    f"product-{product.id}",
                    {"product": product, "lot": lot, "label": product.display_name},
                )
        return units

    @api.model
    def _create_from_portal(self, values, files):
        """A case the customer opened on the portal, on the path of a mail:
        classified, typed from the serial's warranty, assigned, acknowledged."""
        lot = self.env["stock.lot"].browse(values.get("lot_id"))
        account = self.env["res.partner"].browse(values["partner_id"])
        values["company_id"] = (
            lot.company_id or account.company_id or self.env.company
        ).id
        if lot:
            values.update(
                self._propose_case_type(
                    lot._sat_is_covered(
                        warranty_day(
                            self, fields.Datetime.to_datetime(values["date_received"])
                        )
                    )
                )
            )
        reporter = self.env["res.partner"].browse(values["reporter_id"])
        values.update(self._classify_values(values, sender_email=reporter.email))
        case = self.create(values)
        if files:
            attachments = self.env["ir.attachment"].create(
                [
                    {
                        "name": name,
                        "raw": content,
                        "mimetype": mimetype,
                        "res_model": self._name,
                        "res_id": case.id,
                    }
                    for name, content, mimetype in files
                ]
            )
            case.message_post(
                body=self.env._("Files sent with the case."),
                attachment_ids=attachments.ids,
                author_id=reporter.id,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        return case
