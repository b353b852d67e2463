from odoo import api, models


def is_support_model(model):
    return bool(model) and model.startswith("sat.")


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    @api.model
    def _render_template_qweb(
        self, template_src, model, res_ids, add_context=None, options=None
    ):
        # The compiled template is reused (see ir.qweb): only for support records,
        # so that other applications' mails render exactly as Odoo renders them.
        renderer = self
        if is_support_model(model):
            renderer = self.with_context(sat_cache_compiled_template=True)
        return super(MailRenderMixin, renderer)._render_template_qweb(
            template_src, model, res_ids, add_context=add_context, options=options
        )

    @api.model
    def _has_unsafe_expression_template_qweb(self, template_src, model):
        """Odoo compiles the template once more to know whether it may be rendered
        without its engine: the answer depends only on the source and the model."""
        if not (template_src and is_support_model(model)):
            return super()._has_unsafe_expression_template_qweb(template_src, model)
        return self.env["ir.qweb"]._get_cached_values(
            ("sat_unsafe_template", str(template_src), model),
            lambda: super(MailRenderMixin, self)._has_unsafe_expression_template_qweb(
                template_src, model
            ),
        )
