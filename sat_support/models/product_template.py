from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    sat_warranty_months = fields.Integer(
        string="Warranty (months)",
        help="Warranty of each serial number of the product, from its delivery to "
        "the customer. 0: no warranty.",
    )
