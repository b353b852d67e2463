import re

from odoo import api, fields, models, tools

from .sat_case_classifier_term import clean_body

# What a serial number looks like when a customer writes it: letters and digits with
# dashes or slashes, at least one digit (X200-2026-0005, SN12345).
SERIAL_RE = re.compile(r"(?<![\w/-])[A-Za-z0-9][\w/.-]{2,38}[A-Za-z0-9](?![\w/-])")
MAX_SERIALS = 40


class SatCase(models.Model):
    _inherit = "sat.case"

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
            lot_id, product_id = self._find_customer_serial(company, facts)
            if lot_id:
                result.update(lot_id=lot_id, product_id=product_id)
        return result

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
        """``(lot id, product id)`` of the serial number written in the mail that
        this customer has: delivered to it, or already in one of its cases. None
        when two of them are named."""
        text = f"{facts['subject']}\n{facts['body']}"
        names = {
            word
            for word in SERIAL_RE.findall(text)
            if any(char.isdigit() for char in word)
        }
        if not names:
            return None, None
        names = sorted(names)[:MAX_SERIALS]
        for model, fnames in (
            ("stock.lot", ["name", "company_id", "product_id"]),
            ("stock.move.line", ["lot_id", "state", "location_dest_id", "picking_id"]),
            ("stock.picking", ["partner_id"]),
            ("sat.case", ["lot_id", "partner_id"]),
        ):
            self.env[model].flush_model(fnames)
        self.env.cr.execute(
            """
            SELECT lot.id, lot.product_id
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
        rows = self.env.cr.fetchall()
        return rows[0] if len(rows) == 1 else (None, None)
