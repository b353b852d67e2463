from pathlib import Path

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader


class SpanishTranslationMixin:
    """Every string a user can see has its Spanish translation (any SAT addon)."""

    _module = None

    def test_spanish_translation_is_complete(self):
        po_path = Path(get_module_path(self._module)) / "i18n" / "es.po"
        self.assertTrue(po_path.exists(), f"{po_path} is missing")
        translated = {
            entry.msgid
            for entry in polib.pofile(str(po_path))
            if entry.msgstr and not entry.fuzzy
        }
        reader = TranslationModuleReader(self.env.cr, modules=[self._module])
        sources = {entry[4] for entry in reader if entry[4]}
        missing = sorted(sources - translated)
        self.assertFalse(
            missing,
            f"{len(missing)} strings have no Spanish translation: {missing[:20]}",
        )


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
