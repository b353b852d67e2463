from odoo import api, fields, models
from odoo.exceptions import UserError

CASE_TYPES = [
    ("warranty", "Warranty"),
    ("courtesy", "Courtesy"),
    ("billable", "Billable"),
]
# The customer pays the supplies of these types: invoiced on closing. The others
# (warranty, courtesy) are borne by the company and never invoiced.
BILLABLE_CASE_TYPES = ("billable",)


class SatCaseTypeMixin(models.AbstractModel):
    """Whether a case's type is invoiced, for every model that has a case type:
    views, filters and reports ask ``is_billable`` instead of naming the types."""

    _name = "sat.case.type.mixin"
    _description = "Support Case Type"

    is_billable = fields.Boolean(
        string="Billable Type",
        compute="_compute_is_billable",
        search="_search_is_billable",
        help="The supplies of a case of this type are invoiced to the customer on "
        "closing; warranty and courtesy cases are free.",
    )

    @api.depends("case_type")
    def _compute_is_billable(self):
        for record in self:
            record.is_billable = record.case_type in BILLABLE_CASE_TYPES

    def _search_is_billable(self, operator, value):
        if operator not in ("=", "!="):
            raise UserError(
                self.env._("Billable Type is searched only as set or not set.")
            )
        billable = (operator == "=") == bool(value)
        return [("case_type", "in" if billable else "not in", BILLABLE_CASE_TYPES)]
