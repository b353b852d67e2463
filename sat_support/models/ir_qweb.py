from lxml import etree

from odoo import models


class IrQWeb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _compile(self, template):
        """Odoo compiles a mail template's body (a piece of HTML, not a view) again
        each time it renders it: for an acknowledgement, that is a tenth of the time
        a mail takes to become a case. Where ``mail.render.mixin`` asks for it (the
        templates of support records), the compiled code is kept in Odoo's own
        template cache, keyed as Odoo keys a view's: its source and the options the
        code depends on."""
        if not (
            isinstance(template, etree._Element)
            and self.env.context.get("sat_cache_compiled_template")
        ):
            return super()._compile(template)
        key = (
            "sat_compiled_template",
            etree.tostring(template),
            # The language, and whether the code may only read fields (mail adds
            # "raise_on_forbidden_code_for_model" for users who are not template
            # editors).
            *(self.env.context.get(key) for key in self._get_template_cache_keys()),
        )
        return self._get_cached_values(
            key, lambda: super(IrQWeb, self)._compile(template)
        )
