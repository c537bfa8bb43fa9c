"""The `readiness` check: the incident block and the expert contacts, turned into findings.

In incident mode the compromised assets must be contained and exposed personal data must be
handled as a notification duty; in every mode, a business with no IT provider, attorney or insurer
to call has no one to help it through a breach (guide "After Data Loss: What to Do", expert step).
"""

from __future__ import annotations

from collections.abc import Iterable

from posture.api import Check, CheckContext, CheckMeta, Config, Finding, NoOptions, Severity, Status, load_catalogue

CONTACTS = {
    "it_provider": ("IT security provider", Severity.HIGH),
    "attorney": ("attorney", Severity.MEDIUM),
    "cyber_insurer": ("cyber insurer", Severity.LOW),
    "incident_lead": ("incident lead", Severity.LOW),
}


class ReadinessCheck(Check[NoOptions]):
    meta = CheckMeta(
        id="readiness",
        title="Incident and response readiness",
        description="Turns the incident details into findings and checks that expert contacts are named.",
        weaknesses=("attacker-persistence", "customer-data-exposure", "no-expert-support", "hardware-failure"),
        needs=frozenset(),
        timeout_s=10,
        always_runs=True,
    )

    def describe_evidence(self, options: NoOptions, config: Config) -> list[str]:
        return ["the config's organization, incident and contacts sections"]

    def run(self, ctx: CheckContext[NoOptions]) -> Iterable[Finding]:
        findings = list(self._incident(ctx)) + list(self._contacts(ctx))
        ctx.facts["mode"] = ctx.config.mode
        return findings

    def _incident(self, ctx: CheckContext[NoOptions]) -> Iterable[Finding]:
        refs = load_catalogue().refs
        incident = ctx.config.incident
        if incident is None:
            return
        kind = incident.kind.replace("_", " ")
        # The incident itself triggers the guides' own steps, so every action in the plan names a cause.
        yield Finding(
            check=self.meta.id, key="incident", status=Status.FAIL, severity=Severity.HIGH,
            title=f"Incident declared: {kind} discovered {incident.discovered}",
            detail="The config declares an incident, so the plan follows the guides' response steps: contain, "
                   "identify, consult, evaluate, restore from reviewed backups, notify, then prevent.",
            weaknesses=("attacker-persistence",),
            remediation="Work through the plan's P1 actions today.",
            references=refs("guide-breach-now", "guide-after-loss", "nist-800-61"),
            actions=tuple(a.id for a in load_catalogue().actions.values() if a.incident_always),
        )
        for asset in incident.compromised_assets:
            yield Finding(
                check=self.meta.id, key=f"compromised/{asset}", status=Status.FAIL,
                severity=Severity.CRITICAL, asset=asset,
                title=f"Compromised asset still to be contained: {asset}",
                detail=f"The {kind} discovered on {incident.discovered} hit this "
                       "asset. Until it is isolated and rebuilt, the attacker may still be using it.",
                weaknesses=("attacker-persistence",),
                remediation="Preserve evidence, then disconnect and quarantine it; rebuild before reconnecting.",
                references=refs("guide-breach-now", "guide-after-loss", "nist-800-61"),
                actions=("preserve-evidence", "isolate-compromised", "assess-whole-network"),
            )
        org = ctx.config.organization
        exposed = incident.personal_data_exposed
        if exposed != "no":
            kinds = ", ".join(k.replace("_", " ") for k in org.customer_data) or "customer data"
            people = sum(org.residents.values())
            yield Finding(
                check=self.meta.id, key="personal-data-exposed", status=Status.FAIL,
                severity=Severity.CRITICAL if exposed == "yes" else Severity.HIGH,
                title="Customer personal data exposed" if exposed == "yes"
                else "Customer personal data may have been exposed",
                detail=f"The business holds {kinds}"
                       + (f" for about {people:,} people" if people else "")
                       + (". Exposure is confirmed." if exposed == "yes" else
                          ". Until the damage evaluation rules it out, plan as if it was exposed: the "
                          "notification clocks may already be running."),
                weaknesses=("customer-data-exposure",),
                remediation="Establish what was exposed and whose; notify on time (see the deadlines).",
                references=refs("guide-breach-now", "guide-after-loss"),
                actions=("evaluate-damage", "notify-customers", "call-attorney"),
            )
        if incident.kind == "hardware_failure":
            yield Finding(
                check=self.meta.id, key="hardware-failure", status=Status.FAIL, severity=Severity.HIGH,
                title="Hardware failed and must be replaced",
                detail="The incident is a hardware failure: systems stay down until it is replaced and rebuilt.",
                weaknesses=("hardware-failure",),
                remediation="Replace the hardware and rebuild it from the reviewed backup.",
                references=refs("guide-breach-now"),
                actions=("replace-failed-hardware",),
            )

    def _contacts(self, ctx: CheckContext[NoOptions]) -> Iterable[Finding]:
        refs = load_catalogue().refs
        contacts = ctx.config.organization.contacts
        in_incident = ctx.config.incident is not None
        for field, (label, severity) in CONTACTS.items():
            named = bool(getattr(contacts, field))
            if in_incident and not named and severity is not Severity.LOW:
                severity = Severity.CRITICAL if field == "it_provider" else Severity.HIGH
            yield Finding(
                check=self.meta.id, key=f"contact/{field}",
                status=Status.PASS if named else Status.FAIL,
                severity=Severity.INFO if named else severity,
                title=f"{label[0].upper()}{label[1:]} named" if named else f"No {label} named to call in a breach",
                detail="" if named else f"organization.contacts.{field} is empty: when a breach happens there "
                       f"is no {label} lined up to call.",
                weaknesses=("no-expert-support",),
                remediation="" if named else f"Choose {_article(label)} {label} now and record them in the config.",
                references=refs("guide-after-loss", "cis-17"),
                actions=() if named else ("name-incident-contacts",),
            )


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"
