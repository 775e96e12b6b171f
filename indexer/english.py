"""English questions: add the Dutch words of the domain so that BM25 can match them too.

The pages are Dutch; the dense model is multilingual, but for an English question BM25
finds only names and numbers, and the fused score of a good English question falls to
the level of an off-topic Dutch one (docs/quality.md). A small glossary of the social
domain's vocabulary (from kb/_data/vocabulaire.yaml and the glossary page, not from the
test questions) maps English terms to the Dutch words the pages use. Only questions that
look English are expanded; the Dutch words are added, nothing is removed.
"""
from __future__ import annotations

import re

_ENGLISH_MARKERS = frozenset(
    "the what which who whom whose why how when where is are was were do does did of for to "
    "and with about between their there this that these those should could would "
    "must can be before has have an they from on by it its will".split())

#: English term -> Dutch words used in the knowledge base. Longest terms are matched first.
GLOSSARY = {
    "neighbourhood team": "wijkteam", "neighborhood team": "wijkteam", "social team": "sociaal wijkteam",
    "neighbourhood": "wijk", "neighborhood": "wijk", "district": "wijk",
    "municipality": "gemeente", "municipalities": "gemeenten", "city": "stad gemeente", "cities": "steden gemeenten",
    "council": "gemeente", "local authority": "gemeente", "alderman": "wethouder",
    "general practitioner": "huisarts", "gp": "huisarts", "gps": "huisartsen", "family doctor": "huisarts",
    "youth doctor": "jeugdarts", "youth care": "jeugdzorg", "youth": "jeugd", "child": "kind", "children": "kinderen",
    "family": "gezin", "families": "gezinnen", "parents": "ouders", "school": "school",
    "client": "cliënt", "clients": "cliënten", "resident": "inwoner bewoner", "residents": "inwoners bewoners",
    "citizen": "burger inwoner", "citizens": "burgers inwoners",
    "professional": "professional", "professionals": "professionals", "social worker": "sociaal werker",
    "team member": "wijkteamlid", "team members": "wijkteamleden", "staff": "medewerkers personeel",
    "staffing": "personele inzet formatie", "caseload": "caseload", "workload": "werkdruk",
    "care provider": "zorgaanbieder aanbieder", "care providers": "zorgaanbieders aanbieders",
    "provider": "aanbieder", "providers": "aanbieders", "mental health": "ggz psychische",
    "elderly care": "ouderenzorg", "care": "zorg", "support": "ondersteuning", "help": "hulp",
    "referral": "doorverwijzen verwijzing", "refer": "doorverwijzen", "safe": "veilig", "system": "systeem",
    "registration": "registratie", "privacy": "privacy", "personal data": "persoonsgegevens",
    "data": "gegevens", "information sharing": "informatie-uitwisseling", "share": "delen",
    "collaboration": "samenwerking", "cooperation": "samenwerking", "work together": "samenwerken",
    "network": "netwerk", "social network": "sociaal netwerk", "own strength": "eigen kracht",
    "self-reliance": "zelfredzaamheid", "prevention": "preventie", "early detection": "vroegsignalering",
    "funding": "financiering bekostiging", "financing": "financiering", "budget": "budget",
    "procurement": "aanbesteding", "tender": "aanbesteding", "costs": "kosten", "cost": "kosten",
    "mandate": "mandaat", "autonomy": "autonomie professionele ruimte", "rules": "regels",
    "evaluation": "evaluatie", "audit office": "rekenkamer", "research": "onderzoek", "study": "onderzoek",
    "survey": "vragenlijst", "questionnaire": "vragenlijst", "report": "rapport",
    "recommendation": "aanbeveling", "recommendations": "aanbevelingen", "dilemma": "dilemma",
    "generalist": "generalist", "specialist": "specialist", "expertise": "deskundigheid expertise",
    "director": "regisseur regie", "coordination": "regie afstemming", "one family one plan": "één gezin één plan",
    "pilot": "pilot", "pilots": "pilots", "percentage": "procent percentage",
    "wmo": "wmo", "youth act": "jeugdwet", "participation act": "participatiewet",
    "welfare state": "verzorgingsstaat", "welfare": "welzijn", "book": "boek", "author": "auteur",
    "authors": "auteurs", "publication": "publicatie", "wrote": "schreven schreef", "written": "geschreven",
    "district nurse": "wijkverpleegkundige", "nurse": "verpleegkundige", "nurses": "verpleegkundigen",
    "profession": "beroep discipline", "professions": "beroepen disciplines", "goal": "doel", "goals": "doelen",
    "aim": "doel", "task": "taak", "tasks": "taken", "role": "rol", "trust": "vertrouwen",
    "meeting": "overleg ontmoeting", "meet": "ontmoeten", "lessons": "lessen", "conditions": "voorwaarden",
}
_TERMS = sorted(GLOSSARY, key=len, reverse=True)
_PATTERN = re.compile(r"\b(" + "|".join(re.escape(t) for t in _TERMS) + r")(?:s|es)?\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z']+")


#: Dutch function words: a long Dutch question has "is" and "of" too (measured: four case
#: descriptions of eval/professionals.tsv counted as English), but many more of these.
_DUTCH_MARKERS = frozenset(
    "de het een en van dat op te zijn niet met voor die wat hoe waarom welke wie ik je jij we wij "
    "er bij naar om ook als maar wordt worden heeft hebben kan kun mijn ons onze hun zij".split())


def looks_english(question: str) -> bool:
    """At least two English function words, and more of them than Dutch ones."""
    words = _WORD.findall(question.lower())
    english = sum(w in _ENGLISH_MARKERS for w in words)
    return english >= 2 and english > sum(w in _DUTCH_MARKERS for w in words)


def dutch_terms(question: str) -> str:
    """Dutch words for the domain terms of an English ``question`` ("" for Dutch questions)."""
    if not looks_english(question):
        return ""
    return " ".join(GLOSSARY[m.group(1).lower()] for m in _PATTERN.finditer(question))
