"""Mask personal data in residents' messages: one module for the console, the corrections it writes, and the actions.

It imports neither Flask nor Rasa, so the action server (the handover case's reason) uses it as the console does.
Phone numbers of every country come from Google's ``phonenumbers``; the rest are patterns with cues, because the
project's spaCy pipeline has no named-entity model (nothing may be downloaded), Presidio cannot be installed
beside Rasa 3.6 (spaCy and pydantic pins), and scrubadub finds a quarter of what this does. Names without a cue
are two capitalised words, one of them not an English word (the lemma tables of ``spacy-lookups-data``).
``bench/redaction.py`` measures recall and precision per kind on ``bench/redaction_set.yml``, against the
console's previous redaction and scrubadub.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import phonenumbers

from councils.postcode import POSTCODE_IN_TEXT

# Which mask each kind of personal data gets (``redact`` writes these; the bench reads them back).
MASKS = {
    "name": "<name>",
    "address": "<address>",
    "email": "<email>",
    "phone": "<phone>",
    "card": "<card>",
    "sort_code": "<sort code>",
    "account": "<account number>",
    "date_of_birth": "<date of birth>",
    "ni": "<NI number>",
}

# Entities whose values are personal: a name, or where someone lives or is (the domain's address and location).
NAME_ENTITIES = frozenset({"PERSON", "name", "person", "first_name", "last_name"})
PLACE_ENTITIES = frozenset({"address", "location", "GPE", "LOC", "FAC"})

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# Payment cards: 16 digits in fours (Visa, Mastercard), 15 in 4-6-5 (American Express), or 13-19 in one run.
CARD = re.compile(r"(?<![\d-])(?:\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}(?:[ -]?\d{1,3})?|\d{4}[ -]?\d{6}[ -]?\d{4,5}"
                  r"|\d{13,19})(?![\d])")
# National Insurance numbers: two letters, six digits, a suffix letter A-D (spaces optional).
NI_NUMBER = re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE)
# UK phone numbers: 0 or +44 then 9-10 more digits. Kept beside phonenumbers, whose validation rejects Ofcom's
# ranges for drama (07700 900xxx, 01632 960xxx) that residents and this project's examples use.
UK_PHONE = re.compile(r"(?<![\w/])(?:(?:\+|00)44\s?\(?0?\)?|\(?0)(?:[\s)-]*\d){9,10}(?![\w/])")
SORT_CODE = re.compile(r"(?:\bsort[\s-]?code\b|\bs/c\b)\D{0,12}?(\d{2}[\s-]?\d{2}[\s-]?\d{2})(?!\d)"
                       r"|(?<![\d/.-])(\d{2}-\d{2}-\d{2})(?![\d/.-])", re.IGNORECASE)
ACCOUNT = re.compile(r"\b(?:account|acc|acct|a/c)\b(?:\s*(?:number|num|no)\b\.?)?\D{0,12}?(?<!\d)(\d{4}\s?\d{4})(?!\d)",
                     re.IGNORECASE)
# UK bank details come as a pair: eight digits after a sort code are the account number, cue or not.
ACCOUNT_AFTER_SORT_CODE = re.compile(r"(?<!\d)\d{2}[\s-]?\d{2}[\s-]?\d{2}(?!\d)\D{1,30}?"
                                     r"(?<!\d)(\d{8}|\d{4}\s\d{4})(?!\d)")
MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
         r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)")
DATE = (rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
        rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH},?\s+\d{{2,4}}"
        rf"|{MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})")
BIRTH_DATE = re.compile(rf"\b(?:born|d\.?o\.?b\.?|date of birth|birth ?date|birthday)\b\D{{0,15}}?({DATE})",
                        re.IGNORECASE)
# A full date in a year before this is taken for a date of birth even without a cue: a council's own dates
# (collections, reports, appointments) are recent. A constant, so redaction does not change with the calendar.
OLD_DATE_BEFORE = 2013
FULL_DATE = re.compile(rf"(?<![\w/.-])({DATE})(?![\w/])", re.IGNORECASE)

STREET_TYPES = (
    "road|rd|street|st|lane|ln|avenue|ave|close|cl|drive|dr|way|crescent|cres|court|ct|place|pl|grove|gardens|gdns"
    "|terrace|walk|hill|row|mews|square|sq|park|view|rise|green|parade|wharf|yard|fields|meadows?|vale|heights"
    "|approach|boulevard|chase|croft|dale|gate|path|quay|side|wood|end|cottages?|house|estate|broadway|circus"
    "|lodge|mansions|tower|building|point|centre|farm"
)
# A house number in digits, or in words as the voice channel hears it ("forty two").
NUMBER_WORDS = ("one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
                "|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred")
HOUSE_NUMBER = rf"(?:\d{{1,4}}[a-z]?(?:\s*[-/]\s*\d{{1,4}}[a-z]?)?|(?:(?:{NUMBER_WORDS})[\s-]?){{1,3}})"
WORD = r"[A-Za-z'’.-]+"
CAPITALISED = r"[A-Z][A-Za-z'’.-]*"
# A further line of an address: ", Mill Lane", ", Little Hexley" (capitalised words after a comma).
MORE_LINES = rf"(?:,\s*(?:{CAPITALISED}\s+){{0,3}}{CAPITALISED})*"
STREET_ADDRESS = re.compile(
    rf"(?<![/\d.-])\b(?i:(?:(?:flat|apartment|apt|unit|room|no\.?|number)\s*\d{{1,4}}[a-z]?\b,?\s*(?:{WORD}\s+){{0,3}}?)?"
    rf"{HOUSE_NUMBER},?\s+(?:{WORD}\s+){{0,3}}(?:{STREET_TYPES})\b\.?)")
# A flat or unit in a named building: "Flat 2 Acacia House, Mill Lane", "Unit 3, Brindley Industrial Estate".
BUILDING = re.compile(
    rf"\b(?i:flat|apartment|apt|unit)\s*\d{{1,4}}[a-zA-Z]?\b,?\s+(?:{CAPITALISED}\s+){{0,3}}(?i:{STREET_TYPES})\b"
    rf"{MORE_LINES}")
FLAT = re.compile(r"\b(?:flat|apartment|apt)\s*\d{1,4}[a-z]?\b", re.IGNORECASE)
# "I live at ...", "my address is ...": the words up to the next punctuation or conjunction are the address, and
# the further lines after a comma when they are capitalised.
ADDRESS_CUE = re.compile(
    r"\b(?i:i\s+live\s+(?:at|on|in)|i'?m\s+(?:at|on)|living\s+(?:at|on)|my\s+address\s+is|address\s*(?:is|:)"
    r"|moved\s+(?:to|into)|i\s+rent\s+(?:at|on))\s+((?:(?!(?i:and|but|since|for|please|in)\b)[\w'’-]+\s?){1,6}"
    rf"{MORE_LINES})")

# Names. Without a NER model, a name is found after a cue ("my name is", "Mrs", "I'm", "my son ...", a signature).
UPPER, LOWER = "A-ZÀ-ÖØ-ÞĀ-ſ", "a-zß-öø-ÿĀ-ſ"  # Latin letters with accents (Wiśniewski, Zoë)
# Ann, McAllister, O'Neill, Nowak-Wright.
NAME_WORD = (rf"(?:[{UPPER}][{LOWER}]+(?:[{UPPER}][{LOWER}]+)?|[{UPPER}]['’][{UPPER}][{LOWER}]+)"
             rf"(?:[-'’][{UPPER}]?[{LOWER}]+)*")
NAMES = rf"{NAME_WORD}(?:\s+(?:[A-Z]\.?\s+)?{NAME_WORD}){{0,2}}"
LOWER_NAMES = r"[a-z'’-]{2,}(?:\s+[a-z'’-]{2,})?"
# The cue is read in any case; the name after it must be capitalised, except after the strongest cues.
TITLE = re.compile(rf"\b(?i:mr|mrs|ms|miss|mx|dr|sir|dame|prof|cllr|councillor|rev)\.?\s+((?:[A-Z]\.?\s+)?{NAMES}"
                   rf"|[a-z'’-]{{2,}})")
STRONG_CUE = re.compile(
    rf"\b(?i:(?:my\s+)?(?:full\s+)?name(?:'?s|\s+is|\s*:)|name\s+on\s+(?:the\s+)?account(?:\s+is)?|i'?m\s+called"
    rf"|i\s+am\s+called|signed|from\s*:|to\s*:)\s*({NAMES}|{LOWER_NAMES})")
WEAK_CUE = re.compile(
    rf"\b(?i:i'?m|i\s+am|this\s+is|it'?s|its|call\s+me|speak\s+(?:to|with)|spoke\s+(?:to|with)|talk\s+to"
    rf"|ask\s+for|contact|email|ring|cc|(?:(?:my|our|the|his|her|their)\s+)?(?:son|daughter|husband|wife|partner|mum|mother|dad"
    rf"|father|neighbou?r|carer|landlord|landlady|tenant|friend|brother|sister|grandson|granddaughter|nan|gran"
    rf"|grandad|child|boy|girl|baby|kid|niece|nephew|aunt|uncle|carer|officer|worker|advisor|adviser)"
    rf"(?:'s\s+name\s+is|\s+is\s+called|\s+called|\s+was|\s+is)?,?)"
    rf"\s+({NAMES})")
SIGN_OFF = re.compile(
    rf"(?:\b(?i:thanks|thank\s+you|cheers|regards|kind\s+regards|best\s+wishes|many\s+thanks|ta|sincerely"
    rf"|yours|best|love)[,!.]?\s*[-–—]?\s*|(?:^|\s)[-–—]\s*)({NAMES}|{LOWER_NAMES})\s*[.!]*\s*$")
HERE = re.compile(rf"^\W*(?:(?i:hi|hello|hey|morning|afternoon|evening)\b,?\s*)?({NAMES})\s+here\b")
# Capitalised words that follow a cue but are not names (sentence case, council words, days and months).
NOT_NAMES = frozenset("""
i a an the and or but not no yes ok okay so very just still really sorry afraid unable trying looking writing
calling emailing ringing waiting worried concerned disabled pregnant homeless elderly new moving from at on in
to for about with after before again here there this that it its my your our their his her we you they he she
please thanks hello hi hey dear monday tuesday wednesday thursday friday saturday sunday january february march
april may june july august september october november december council fernbridge wrenfield tax library centre
road street lane avenue close drive way bin bins recycling waste housing planning parking permit report case
blue green black brown grey garden food general glass paper plastic english british uk london today tomorrow
yesterday morning afternoon evening night week month year urgent help emergency unsure sure happy glad unhappy
mr mrs ms miss mx dr prof cllr rev
fed up annoyed angry disgusted outraged tenant owner resident carer landlord nurse teacher student pensioner
retired unemployed self local number phone email address postcode flat house mate all everyone lot much
loads again you guys team folks sir madam regards wishes
""".split())


CAPITALISED_RUN = re.compile(rf"(?<![\w'’-]){NAME_WORD}(?:\s(?:[A-Z]\.?\s)?{NAME_WORD})+")
STREET_TYPE = re.compile(STREET_TYPES)
# Words that start a question or sentence in capitals before a name ("Can Janet Lowe ...").
SENTENCE_STARTS = frozenset("can could would will should please when where what how why is are does did has have "
                            "if has had dear ask tell let".split())


@dataclass(frozen=True)
class Finding:
    """One span of personal data in a text, with its kind and what replaces it."""

    start: int
    end: int
    kind: str
    mask: str


def _name_findings(text: str) -> list[Finding]:
    found = []
    for pattern in (TITLE, STRONG_CUE, WEAK_CUE, SIGN_OFF, HERE):
        for match in pattern.finditer(text):
            words = match.group(1).split()
            kept = 0
            for word in words[:2 if match.group(1).islower() else 3]:
                if word.lower().strip(".,'’") in NOT_NAMES:
                    break
                kept += 1
            if kept:
                start = match.start(1)
                found.append(Finding(start, start + _span_of_words(match.group(1), kept), "name", MASKS["name"]))
    return found


def _full_name_findings(text: str) -> list[Finding]:
    """Two or more capitalised words in a row, none a council or street word, one not an English word: a full name.

    "Can Janet Lowe call me" gives "Janet Lowe"; "Central Library", "Mill Lane" and "Boxing Day" give nothing.
    The English words are those of the lemma tables of ``spacy-lookups-data`` (installed with the NLU pipeline).
    """
    found = []
    for run in CAPITALISED_RUN.finditer(text):
        words = list(re.finditer(r"\S+", run.group(0)))
        while words and words[0].group(0).lower() in SENTENCE_STARTS | NOT_NAMES:
            words.pop(0)
        if len(words) < 2 or any(_is_place_word(w.group(0)) for w in words):
            continue
        if all(w.group(0).lower() in english_words() for w in words):
            continue
        found.append(Finding(run.start() + words[0].start(), run.start() + words[-1].end(), "name", MASKS["name"]))
    return found


def _is_place_word(word: str) -> bool:
    lower = word.lower().strip(".'’")
    return lower in NOT_NAMES or STREET_TYPE.fullmatch(lower) is not None


@cache
def english_words() -> frozenset[str]:
    """Common English words (nouns, verbs, adjectives, adverbs), lower case: capitalised, they are rarely a name."""
    index = json.loads(gzip.decompress((resources.files("spacy_lookups_data") / "data" / "en_lemma_index.json.gz")
                                       .read_bytes()))
    return frozenset(word for words in index.values() for word in words)


def _span_of_words(text: str, count: int) -> int:
    """The length of ``text``'s first ``count`` words with the spaces between them."""
    matches = list(re.finditer(r"\S+", text))[:count]
    return matches[-1].end() if matches else 0


def _phone_findings(text: str) -> list[Finding]:
    found = [Finding(m.start(), m.end(), "phone", MASKS["phone"]) for m in UK_PHONE.finditer(text)]
    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.VALID):
        found.append(Finding(match.start, match.end, "phone", MASKS["phone"]))
    return found


def _date_findings(text: str) -> list[Finding]:
    found = [Finding(*m.span(1), "date_of_birth", MASKS["date_of_birth"]) for m in BIRTH_DATE.finditer(text)]
    for match in FULL_DATE.finditer(text):
        year = re.search(r"(\d+)\s*$", match.group(1))
        digits = year.group(1) if year else ""
        if len(digits) == 4 and int(digits) < OLD_DATE_BEFORE:
            found.append(Finding(*match.span(1), "date_of_birth", MASKS["date_of_birth"]))
    return found


def _entity_findings(text: str, entities: Iterable[dict[str, Any]] | None) -> list[Finding]:
    found = []
    for entity in entities or []:
        kind = "name" if entity.get("entity") in NAME_ENTITIES else (
            "address" if entity.get("entity") in PLACE_ENTITIES else None)
        if kind is None:
            continue
        start, end = entity.get("start"), entity.get("end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            found.append(Finding(start, end, kind, MASKS[kind]))
        elif entity.get("value"):
            for match in re.finditer(re.escape(str(entity["value"])), text, flags=re.IGNORECASE):
                found.append(Finding(match.start(), match.end(), kind, MASKS[kind]))
    return found


def find(text: str, entities: Iterable[dict[str, Any]] | None = None) -> list[Finding]:
    """Every span of personal data in ``text``, overlaps merged (the earlier kind in this order wins).

    Args:
        text: a message as the resident or the bot wrote it.
        entities: the message's Rasa entities; name, ``address`` and ``location`` values are masked.

    """
    found: list[Finding] = []
    found += _entity_findings(text, entities)
    found += [Finding(*m.span(), "email", MASKS["email"]) for m in EMAIL.finditer(text)]
    found += [Finding(*m.span(), "card", MASKS["card"]) for m in CARD.finditer(text)]
    found += [Finding(*m.span(), "ni", MASKS["ni"]) for m in NI_NUMBER.finditer(text)]
    found += [Finding(*m.span(m.lastindex), "sort_code", MASKS["sort_code"]) for m in SORT_CODE.finditer(text)]
    found += [Finding(*m.span(1), "account", MASKS["account"]) for m in ACCOUNT.finditer(text)]
    found += [Finding(*m.span(1), "account", MASKS["account"]) for m in ACCOUNT_AFTER_SORT_CODE.finditer(text)]
    found += _date_findings(text)
    found += _phone_findings(text)
    found += [Finding(*m.span(), "address", MASKS["address"]) for m in STREET_ADDRESS.finditer(text)]
    found += [Finding(*m.span(), "address", MASKS["address"]) for m in BUILDING.finditer(text)]
    found += [Finding(*m.span(), "address", MASKS["address"]) for m in FLAT.finditer(text)]
    found += [Finding(m.start(1), m.start(1) + len(m.group(1).rstrip()), "address", MASKS["address"])
              for m in ADDRESS_CUE.finditer(text) if not POSTCODE_IN_TEXT.fullmatch(m.group(1).strip())]
    found += _name_findings(text)
    found += _full_name_findings(text)
    for match in POSTCODE_IN_TEXT.finditer(text):  # the outward part stays: it says the area, not the home
        found.append(Finding(*match.span(), "postcode", f"{match.group(1).upper()} ***"))
    return _merge(found)


def _merge(found: list[Finding]) -> list[Finding]:
    """Non-overlapping findings in text order; where two overlap, one span covers both with the first's kind."""
    merged: list[Finding] = []
    for finding in sorted(found, key=lambda f: (f.start, -f.end)):
        last = merged[-1] if merged else None
        if last and finding.start < last.end:
            if finding.end > last.end:
                kind = last.kind if last.kind != "postcode" else finding.kind
                merged[-1] = Finding(last.start, finding.end, kind, MASKS.get(kind, last.mask))
            elif last.kind == "postcode" and finding.kind != "postcode":
                merged[-1] = Finding(last.start, last.end, finding.kind, finding.mask)
            continue
        merged.append(finding)
    return merged


def redact(text: str | None, entities: Iterable[dict[str, Any]] | None = None) -> str:
    """``text`` with personal data masked (``<name>``, ``<phone>``, ...); a postcode keeps its outward part.

    Args:
        text: a message as the resident or the bot wrote it.
        entities: the message's Rasa entities; name, ``address`` and ``location`` values are masked.

    """
    if not text:
        return ""
    out, cursor = [], 0
    for finding in find(text, entities):
        out += [text[cursor:finding.start], finding.mask]
        cursor = finding.end
    out.append(text[cursor:])
    return "".join(out)


def redact_entities(entities: Iterable[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Entities for display: name, address and location values masked, others masked like the text."""
    out = []
    for entity in entities or []:
        value = entity.get("value")
        if entity.get("entity") in NAME_ENTITIES:
            shown = MASKS["name"]
        elif entity.get("entity") in PLACE_ENTITIES:
            shown = MASKS["address"]
        else:
            shown = redact(str(value)) if value is not None else ""
        out.append({"entity": entity.get("entity"), "value": shown, "extractor": entity.get("extractor")})
    return out
