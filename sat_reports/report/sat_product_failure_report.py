from odoo import fields, models
from odoo.tools import SQL


class SatProductFailureReport(models.Model):
    """Products ranked by support cases per unit sold: how often what we sell fails."""

    _name = "sat.product.failure.report"
    _description = "Support Cases per Unit Sold"
    _auto = False
    _rec_name = "product_id"
    _order = "failure_rate desc, case_count desc"

    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_categ_id = fields.Many2one(
        "product.category", string="Product Category", readonly=True
    )
    case_count = fields.Integer(string="# Cases", readonly=True)
    warranty_count = fields.Integer(string="# Warranty Cases", readonly=True)
    qty_delivered = fields.Float(
        string="Units Delivered",
        readonly=True,
        help="Done deliveries to customers, returns deducted; supplies of support "
        "cases excluded.",
    )
    qty_invoiced = fields.Float(
        string="Units Invoiced",
        readonly=True,
        help="Posted customer invoices, in the product's unit of measure, credit "
        "notes deducted; invoices of support cases excluded.",
    )
    qty_sold = fields.Float(
        string="Units Sold",
        readonly=True,
        help="The larger of units delivered and units invoiced.",
    )
    failure_rate = fields.Float(
        string="Cases per 100 Units",
        aggregator="max",
        readonly=True,
        digits=(16, 2),
        help="Empty when no unit was sold.",
    )
    failure_rate_label = fields.Char(
        string="Cases per 100 Units Sold",
        readonly=True,
        help="n/a when no unit was sold: a rate of nothing sold is no rate.",
    )

    @property
    def _table_query(self):
        return SQL(
            """
            WITH cases AS (
                SELECT company_id, product_id, count(*) AS case_count,
                       count(*) FILTER (WHERE case_type = 'warranty') AS warranty_count
                  FROM sat_case
                 WHERE active AND product_id IS NOT NULL AND is_cancel IS NOT TRUE
                 GROUP BY company_id, product_id
            ), delivered AS (
                SELECT move.company_id, move.product_id,
                       sum(CASE WHEN dest.usage = 'customer' THEN move.product_qty
                                ELSE -move.product_qty END) AS qty
                  FROM stock_move move
                  JOIN stock_location source ON source.id = move.location_id
                  JOIN stock_location dest ON dest.id = move.location_dest_id
                 WHERE move.state = 'done' AND move.sat_case_line_id IS NULL
                   AND (source.usage = 'customer') != (dest.usage = 'customer')
                 GROUP BY move.company_id, move.product_id
            ), invoiced AS (
                -- Quantities in the product's unit: an invoice may count in dozens.
                SELECT item.company_id, item.product_id,
                       sum(CASE WHEN move.move_type = 'out_refund' THEN -1 ELSE 1 END
                           * item.quantity * COALESCE(
                               product_uom.factor / NULLIF(line_uom.factor, 0), 1
                           )) AS qty
                  FROM account_move_line item
                  JOIN account_move move ON move.id = item.move_id
                  JOIN product_product sold ON sold.id = item.product_id
                  JOIN product_template sold_template
                       ON sold_template.id = sold.product_tmpl_id
                  LEFT JOIN uom_uom line_uom ON line_uom.id = item.product_uom_id
                  LEFT JOIN uom_uom product_uom ON product_uom.id = sold_template.uom_id
                 WHERE move.state = 'posted'
                   AND move.move_type IN ('out_invoice', 'out_refund')
                   AND item.display_type = 'product'
                   AND item.sat_case_line_id IS NULL
                 GROUP BY item.company_id, item.product_id
            )
            SELECT cases.product_id::bigint * 100000 + cases.company_id AS id,
                   cases.company_id,
                   cases.product_id,
                   template.categ_id AS product_categ_id,
                   cases.case_count,
                   cases.warranty_count,
                   COALESCE(delivered.qty, 0) AS qty_delivered,
                   COALESCE(invoiced.qty, 0) AS qty_invoiced,
                   GREATEST(COALESCE(delivered.qty, 0), COALESCE(invoiced.qty, 0))
                       AS qty_sold,
                   CASE WHEN GREATEST(delivered.qty, invoiced.qty) > 0
                        THEN 100.0 * cases.case_count
                             / GREATEST(delivered.qty, invoiced.qty)
                   END AS failure_rate,
                   CASE WHEN GREATEST(delivered.qty, invoiced.qty) > 0
                        THEN to_char(
                            100.0 * cases.case_count
                            / GREATEST(delivered.qty, invoiced.qty), 'FM999999990.00'
                        )
                        ELSE 'n/a'
                   END AS failure_rate_label
              FROM cases
              JOIN product_product product ON product.id = cases.product_id
              JOIN product_template template ON template.id = product.product_tmpl_id
              LEFT JOIN delivered ON delivered.company_id = cases.company_id
                                 AND delivered.product_id = cases.product_id
              LEFT JOIN invoiced ON invoiced.company_id = cases.company_id
                                AND invoiced.product_id = cases.product_id
            """
        )
