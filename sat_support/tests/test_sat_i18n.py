from pathlib import Path

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader


class SpanishTranslationMixin:
    """Every string a user can see has its Spanish translation (any SAT addon)."""

    _module = None

    def _sources(self):
        """The strings Odoo would export for the addon now, from code and data."""
        reader = TranslationModuleReader(self.env.cr, modules=[self._module])
        return {entry[4] for entry in reader if entry[4]}

    def _po(self, name):
        path = Path(get_module_path(self._module)) / "i18n" / name
        self.assertTrue(path.exists(), f"{path} is missing")
        return polib.pofile(str(path))

    def test_pot_is_regenerated(self):
        pot = {entry.msgid for entry in self._po(f"{self._module}.pot")}
        sources = self._sources()
        self.assertEqual(
            (sorted(sources - pot)[:20], sorted(pot - sources)[:20]),
            ([], []),
            f"i18n/{self._module}.pot is not the export of the code (missing, stale): "
            "export it again with --i18n-export",
        )

    def test_spanish_translation_is_complete(self):
        translated = {
            entry.msgid
            for entry in self._po("es.po")
            if entry.msgstr and not entry.fuzzy
        }
        missing = sorted(self._sources() - translated)
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
