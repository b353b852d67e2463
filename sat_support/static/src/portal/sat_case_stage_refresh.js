/** @odoo-module */

import {Thread} from "@mail/core/common/thread_model";
import {patch} from "@web/core/utils/patch";

// A customer's answer on the portal may move the case to another stage (a case waiting
// for the customer goes back to work): the page's stage badge follows, without a reload.
async function refreshCaseStage() {
    const badge = document.querySelector("#sat_case_stage");
    if (!badge) {
        return;
    }
    const response = await fetch(window.location.href, {credentials: "same-origin"});
    if (!response.ok) {
        return;
    }
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.querySelector("#sat_case_stage");
    if (fresh) {
        badge.replaceWith(fresh);
    }
}

patch(Thread.prototype, {
    async post() {
        const message = await super.post(...arguments);
        if (this.model === "sat.case") {
            await refreshCaseStage();
        }
        return message;
    },
});
