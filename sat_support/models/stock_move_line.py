from odoo import models

from .stock_lot import warranty_day


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def _action_done(self):
        """A serial delivered to a customer starts its warranty, once: a unit that
        comes back and leaves again keeps its first delivery."""
        res = super()._action_done()
        delivered = self.exists().filtered(
            lambda line: (
                line.lot_id
                and not line.lot_id.sat_warranty_start
                and line.location_dest_id.usage == "customer"
            )
        )
        for day, lines in delivered.grouped(
            lambda line: warranty_day(line, line.date)
        ).items():
            lines.lot_id.sat_warranty_start = day
        return res
