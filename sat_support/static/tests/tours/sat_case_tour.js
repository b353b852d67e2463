/** @odoo-module */

import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

// A SAT user opens the app, creates a case for a customer and sees it in the list.
registry.category("web_tour.tours").add("sat_case_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            trigger: '.o_app[data-menu-xmlid="sat_support.sat_menu_root"]',
            run: "click",
        },
        {
            trigger: ".o_main_navbar button:contains('Cases')",
            run: "click",
        },
        {
            trigger: ".dropdown-item:contains('All Cases')",
            run: "click",
        },
        {
            trigger: ".o_breadcrumb:contains('Support Cases')",
        },
        {
            trigger: ".o_control_panel_main_buttons button.o-kanban-button-new, .o_control_panel_main_buttons button.o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour: the grinder jams",
        },
        {
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Tour Roastery",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour Roastery')",
            run: "click",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            // Saved, not only named: the reference comes from the server.
            trigger: ".o_form_saved .o_field_widget[name=reference]:contains('SAT/')",
        },
        {
            trigger: ".o_breadcrumb .active:contains('Tour: the grinder jams')",
        },
        {
            trigger: ".o_statusbar_status button.o_arrow_button_current",
        },
    ],
});
