from odoo import fields, models


class SatCaseCloseWizardLine(models.TransientModel):
    _name = "sat.case.close.wizard.line"
    _description = "Supply Short of Stock"

    wizard_id = fields.Many2one(
        "sat.case.close.wizard", required=True, ondelete="cascade"
    )
    case_line_id = fields.Many2one("sat.case.line", string="Supply", required=True)
    case_id = fields.Many2one(related="case_line_id.case_id")
    product_id = fields.Many2one(related="case_line_id.product_id")
    lot_id = fields.Many2one(related="case_line_id.lot_id")
    product_uom_id = fields.Many2one(related="case_line_id.product_id.uom_id")
    quantity_needed = fields.Float(string="Needed", digits="Product Unit of Measure")
    quantity_available = fields.Float(
        string="Available", digits="Product Unit of Measure"
    )
