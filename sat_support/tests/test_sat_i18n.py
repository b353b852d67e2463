from odoo.tests import TransactionCase, tagged

from .common import SpanishTranslationMixin


@tagged("post_install", "-at_install")
class TestSatTranslations(SpanishTranslationMixin, TransactionCase):
    _module = "sat_support"

    def test_spanish_is_loaded(self):
        self.env["res.lang"]._activate_lang("es_ES")
        self.env["ir.module.module"].search(
            [("name", "=", self._module)]
        )._update_translations(["es_ES"])
        stage = self.env.ref("sat_support.sat_case_stage_waiting").with_context(
            lang="es_ES"
        )
        self.assertNotEqual(stage.name, "Waiting Customer")
        Case = self.env["sat.case"].with_context(lang="es_ES")
        self.assertEqual(Case.fields_get(["symptom"])["symptom"]["string"], "Síntoma")
