/** @odoo-module */

import {registry} from "@web/core/registry";
import {stepUtils} from "@web_tour/tour_service/tour_utils";

// A star clicked on a case being created saves nothing: no case, no reference, no mail
// to the customer for a half-typed case. Discarding leaves nothing behind.
registry.category("web_tour.tours").add("sat_case_priority_tour", {
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
            trigger: ".o_control_panel_main_buttons button.o-kanban-button-new, .o_control_panel_main_buttons button.o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour: half-typed case",
        },
        {
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Tour Star Roastery",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour Star Roastery')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=priority] a.o_priority_star[aria-label='High']",
            run: "click",
        },
        {
            // Still a new record: the click did not save it.
            trigger: ".o_field_widget[name=priority] a.o_priority_star.fa-star[aria-label='High']",
        },
        {
            trigger: ".o_breadcrumb .active:contains('New')",
        },
        {
            trigger: ".o_form_button_cancel",
            run: "click",
        },
        {
            trigger: ".o_list_view, .o_kanban_view",
        },
    ],
});
