"""Alexa request handlers: each Alexa request becomes one Rasa turn, and Rasa's messages become the answer.

The skill holds no dialogue logic: Rasa decides what to say. The skill only maps Alexa's intents and slots to
a Rasa message, remembers the last buttons and question in the Alexa session, and turns the reply into speech.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml
from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_model import Intent, Response
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_model.ui import AskForPermissionsConsentCard, SimpleCard

from voice_skill.interaction_model import CATCH_ALL_INTENT, carrier_prefixes
from voice_skill.speech import Answer, render, ssml
from voice_skill.spoken import spoken_code, spoken_postcode

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
MODEL_PATH = Path(__file__).resolve().parent / "skill-package" / "interactionModels" / "custom" / "en-GB.json"
ADDRESS_PERMISSION = "read::alexa:device:all:address:country_and_postal_code"
DEFAULT_DEVICE_API_ORIGINS = (
    "https://api.amazonalexa.com",
    "https://api.eu.amazonalexa.com",
    "https://api.fe.amazonalexa.com",
)
# Services that need the property's postcode: the device's postcode answers the form's first question.
ADDRESS_INTENTS = frozenset({"bin_collection_day", "report_missed_bin", "council_tax_band"})
SELECT_OPTION_INTENT = "SelectOptionIntent"
# Yes and No are YesNoHandler's: it runs first and answers the skill's own "anything else?" too.
BUILT_IN_MESSAGES = {
    "AMAZON.HelpIntent": "/help",
    "AMAZON.FallbackIntent": "/nlu_fallback",
    "AMAZON.NavigateHomeIntent": "/greet",
}
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
CARDINALS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
_CHOICE = re.compile(
    r"^(?:the\s+)?(?:option\s+|choice\s+)?(?P<word>[a-z]+|\d{1,2})(?:\s+(?:one|option|address|please))?[.!]?$"
)


@dataclass
class SkillSettings:
    """Everything the handlers need, taken from the Flask app's configuration."""

    rasa_url: str
    rasa_timeout: float = 6.0  # Alexa waits 8 s at most
    device_api_origins: frozenset[str] = frozenset(DEFAULT_DEVICE_API_ORIGINS)
    device_api_timeout: float = 2.0
    card_title: str = "Council Assistant"
    # what the resident hears when anything fails (councils/messages/apology.yml, with the council's number)
    apology: str = "Sorry, something went wrong on my side. Please try again in a moment."
    follow_up: str = "Is there anything else I can help with?"
    catalogue: frozenset[str] = field(default_factory=frozenset)
    carriers: dict[str, str] = field(default_factory=dict)  # catch-all slot -> the words that lead into it


def _load_model(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        log.warning("No interaction model at %s: every custom intent will be treated as unknown", path)
        return None


def load_catalogue(path: Path = MODEL_PATH) -> frozenset[str]:
    """The council's own intents, as named in the interaction model (which is generated from nlu_data/)."""
    model = _load_model(path)
    if model is None:
        return frozenset()
    intents = model["interactionModel"]["languageModel"]["intents"]
    return frozenset(
        i["name"] for i in intents
        if not i["name"].startswith("AMAZON.") and i["name"] not in {CATCH_ALL_INTENT, SELECT_OPTION_INTENT}
    )


def load_carriers(path: Path = MODEL_PATH) -> dict[str, str]:
    """The catch-all's slots and the carrier words before each, from the interaction model."""
    model = _load_model(path)
    return carrier_prefixes(model) if model else {}


def heard_words(intent: Intent | None, carriers: dict[str, str]) -> str:
    """What the resident said, as near as Alexa lets us know: the slot values, each after its carrier words.

    "there's a pothole on Mill Lane" arrives as slot `theres` = "a pothole on Mill Lane"; the carrier is part
    of the request, so Rasa gets the whole phrase.
    """
    parts = []
    for name, value in slot_values(intent).items():
        carrier = carriers.get(name, "")
        parts.append(f"{carrier} {value}".strip())
    return " ".join(parts).strip()


@functools.lru_cache(maxsize=32)
def domain_text(response: str, channel: str = "voice") -> str | None:
    """A response's words from the domain (voice variant first), so the skill speaks staff-edited text."""
    for path in sorted((ROOT / "bot" / "domain").glob("*.yml")):
        variants = ((yaml.safe_load(path.read_text()) or {}).get("responses") or {}).get(response)
        if variants:
            chosen = next((v for v in variants if v.get("channel") == channel), None)
            chosen = chosen or next((v for v in variants if not v.get("channel")), variants[0])
            return chosen.get("text")
    return None


def slot_values(intent: Intent | None) -> dict[str, str]:
    """Each filled slot's value: the resolved canonical name on ER_SUCCESS_MATCH, else what was heard."""
    values: dict[str, str] = {}
    for name, slot in ((intent.slots if intent else None) or {}).items():
        if slot is None:
            continue
        value = slot.value
        for authority in (slot.resolutions.resolutions_per_authority or []) if slot.resolutions else []:
            if authority.status and authority.status.code == StatusCode.ER_SUCCESS_MATCH and authority.values:
                value = authority.values[0].value.name
                break
        if value is not None and str(value).strip():
            values[name] = str(value).strip()
    return values


def intent_payload(intent: str, entities: dict[str, str] | None = None) -> str:
    """A Rasa intent message, `/bin_collection_day{"postcode": "FB1 2AA"}`, that bypasses NLU."""
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def choice_index(text: str) -> int | None:
    """0-based index for "one", "two", "the first one", "option 3"; None when it is not a choice."""
    match = _CHOICE.match(text.strip().lower())
    if not match:
        return None
    word = match.group("word")
    if word.isdigit():
        return int(word) - 1 if int(word) >= 1 else None
    if word in CARDINALS:
        return CARDINALS.index(word)
    if word in ORDINALS:
        return ORDINALS.index(word)
    return None


def chosen_payload(text: str, buttons: list[dict[str, str]]) -> str | None:
    """The payload of the button the resident picked by number, if the words pick one."""
    index = choice_index(text)
    if index is None or not buttons or index >= len(buttons):
        return None
    return buttons[index]["payload"]


class RasaClient:
    """Sends one turn to Rasa's voice channel and returns all of Rasa's messages for it."""

    def __init__(self, base_url: str, timeout: float) -> None:
        self.url = f"{base_url.rstrip('/')}/webhooks/voice/webhook"
        self.timeout = timeout
        self.session = requests.Session()

    def turn(self, sender: str, message: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """POST the message; raise requests.RequestException when Rasa is down, slow or refuses it."""
        response = self.session.post(
            self.url, json={"sender": sender, "message": message, "metadata": metadata or {}}, timeout=self.timeout
        )
        response.raise_for_status()
        messages = response.json()
        return messages if isinstance(messages, list) else []


class NoAddressPermission(Exception):
    """The resident has not let the skill read the device's postcode."""


def device_postcode(handler_input: HandlerInput, settings: SkillSettings) -> str | None:
    """The device's postcode from the Device Address API; NoAddressPermission without consent, None on failure."""
    system = handler_input.request_envelope.context.system if handler_input.request_envelope.context else None
    permissions = system.user.permissions if system and system.user else None
    if not permissions or not permissions.consent_token:
        raise NoAddressPermission
    endpoint = (system.api_endpoint or "").rstrip("/")
    token = system.api_access_token
    device_id = system.device.device_id if system.device else None
    parts = urlsplit(endpoint)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    if not token or not device_id or origin not in settings.device_api_origins:
        log.warning("Device Address API not called: endpoint %r not allowed or token/device missing", endpoint)
        return None
    try:
        response = requests.get(
            f"{endpoint}/v1/devices/{device_id}/settings/address/countryAndPostalCode",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=settings.device_api_timeout,
        )
    except requests.RequestException:
        log.warning("Device Address API unreachable")
        return None
    if response.status_code == 403:
        raise NoAddressPermission
    if response.status_code != 200:
        return None
    try:
        postcode = response.json().get("postalCode")
    except ValueError:
        return None
    return str(postcode).strip().upper() if postcode else None


class VoiceTurns:
    """Turns Alexa requests into Rasa turns and Rasa's replies into Alexa responses."""

    def __init__(self, settings: SkillSettings) -> None:
        self.settings = settings
        self.rasa = RasaClient(settings.rasa_url, settings.rasa_timeout)

    @staticmethod
    def conversation_id(handler_input: HandlerInput) -> str:
        """`alexa-` + the Alexa session id (or the user id outside a session)."""
        envelope = handler_input.request_envelope
        if envelope.session and envelope.session.session_id:
            return f"alexa-{envelope.session.session_id}"
        system = envelope.context.system if envelope.context else None
        if system and system.user and system.user.user_id:
            return f"alexa-{system.user.user_id}"
        return "alexa-anonymous"

    @staticmethod
    def attributes(handler_input: HandlerInput) -> dict[str, Any]:
        """The Alexa session attributes (a throwaway dict outside a session)."""
        if handler_input.request_envelope.session is None:
            return {}
        manager = handler_input.attributes_manager
        if manager.session_attributes is None:
            manager.session_attributes = {}
        return manager.session_attributes

    def send(self, handler_input: HandlerInput, message: str) -> list[dict[str, Any]]:
        """One Rasa turn for this Alexa session."""
        request = handler_input.request_envelope.request
        metadata = {"alexa": {"request_id": request.request_id, "locale": getattr(request, "locale", None)}}
        return self.rasa.turn(self.conversation_id(handler_input), message, metadata)

    def answer(self, handler_input: HandlerInput, messages: list[dict[str, Any]], *, end: bool = False,
               permission_card: bool = False) -> Response:
        """Speak Rasa's messages; keep the session open with a re-prompt unless the conversation ends."""
        answer: Answer = render(messages)
        attributes = self.attributes(handler_input)
        speech, reprompt = answer.speech, answer.reprompt
        if not speech:
            speech = domain_text("utter_default") or "Sorry, I didn't understand that."
            reprompt = speech
        if not end and reprompt is None:
            # Rasa answered without asking anything: offer to carry on rather than leave the resident in silence.
            speech, reprompt = f"{speech} {self.settings.follow_up}", self.settings.follow_up
            attributes["follow_up"] = True
        else:
            attributes.pop("follow_up", None)
        attributes["conversation_id"] = self.conversation_id(handler_input)
        attributes["buttons"] = answer.buttons
        attributes["last_question"] = reprompt
        builder = handler_input.response_builder.speak(ssml(speech))
        if permission_card:
            builder.set_card(AskForPermissionsConsentCard(permissions=[ADDRESS_PERMISSION]))
        elif answer.card_text:
            builder.set_card(SimpleCard(title=self.settings.card_title, content=answer.card_text))
        if end:
            builder.set_should_end_session(True)
        else:
            builder.ask(ssml(reprompt or speech))
        return builder.response

    def turn(self, handler_input: HandlerInput, message: str, **kwargs: Any) -> Response:
        """Send one message and answer with everything Rasa said."""
        return self.answer(handler_input, self.send(handler_input, message), **kwargs)

    def free_text(self, handler_input: HandlerInput, text: str) -> Response:
        """What the resident said: a button picked by number, a spelt-out postcode, or the words as heard."""
        payload = chosen_payload(text, self.attributes(handler_input).get("buttons") or [])
        return self.turn(handler_input, payload or spoken_postcode(text) or spoken_code(text) or text)

    def goodbye(self, handler_input: HandlerInput) -> Response:
        """Leave any form, say goodbye and end the Alexa session."""
        self.send(handler_input, "/cancel")
        messages = self.send(handler_input, "/goodbye")
        attributes = self.attributes(handler_input)
        attributes.clear()
        return self.answer(handler_input, messages, end=True)


class _Handler(AbstractRequestHandler):
    """A request handler sharing the skill's VoiceTurns; subclasses say which requests and how to answer."""

    def __init__(self, turns: VoiceTurns) -> None:
        self.turns = turns

    def can_handle(self, handler_input: HandlerInput) -> bool:
        """Whether this handler answers the request (ask-sdk tries handlers in registration order)."""
        return self._matches(handler_input)

    def handle(self, handler_input: HandlerInput) -> Response:
        """The Alexa response for the request."""
        return self._respond(handler_input)

    def _matches(self, handler_input: HandlerInput) -> bool:
        raise NotImplementedError

    def _respond(self, handler_input: HandlerInput) -> Response:
        raise NotImplementedError

    @staticmethod
    def request_type(handler_input: HandlerInput) -> str:
        return handler_input.request_envelope.request.object_type

    @staticmethod
    def intent_name(handler_input: HandlerInput) -> str | None:
        request = handler_input.request_envelope.request
        return request.intent.name if request.object_type == "IntentRequest" and request.intent else None


class LaunchHandler(_Handler):
    """"Alexa, open fernbridge council": Rasa's greeting (its voice variant)."""

    def _matches(self, handler_input: HandlerInput) -> bool:
        return self.request_type(handler_input) == "LaunchRequest"

    def _respond(self, handler_input: HandlerInput) -> Response:
        return self.turns.turn(handler_input, "/greet")


class SessionEndedHandler(_Handler):
    """The Alexa session ended (the resident left, silence, or an error): restart the Rasa conversation."""

    def _matches(self, handler_input: HandlerInput) -> bool:
        return self.request_type(handler_input) == "SessionEndedRequest"

    def _respond(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        error = getattr(request, "error", None)
        if error is not None:
            log.warning("Alexa session ended with an error: %s %s", getattr(error, "object_type", None),
                        getattr(error, "message", None))
        try:
            self.turns.send(handler_input, "/restart")
        except requests.RequestException:
            log.warning("Could not restart the Rasa conversation after the session ended")
        self.turns.attributes(handler_input).clear()
        return handler_input.response_builder.response  # Alexa accepts no speech here


class StopCancelHandler(_Handler):
    """"Stop" or "cancel" at any point: leave whatever was in progress and end the session with a goodbye."""

    def _matches(self, handler_input: HandlerInput) -> bool:
        return self.intent_name(handler_input) in {"AMAZON.StopIntent", "AMAZON.CancelIntent"}

    def _respond(self, handler_input: HandlerInput) -> Response:
        return self.turns.goodbye(handler_input)


class StartOverHandler(_Handler):
    """"Start over": Rasa's built-in restart, then the greeting."""

    def _matches(self, handler_input: HandlerInput) -> bool:
        return self.intent_name(handler_input) == "AMAZON.StartOverIntent"

    def _respond(self, handler_input: HandlerInput) -> Response:
        self.turns.send(handler_input, "/restart")
        self.turns.attributes(handler_input).clear()
        return self.turns.turn(handler_input, "/greet")


class YesNoHandler(_Handler):
    """Yes and no: Rasa's affirm/deny, or the answer to the skill's "anything else?"."""

    def _matches(self, handler_input: HandlerInput) -> bool:
        return self.intent_name(handler_input) in {"AMAZON.YesIntent", "AMAZON.NoIntent"}

    def _respond(self, handler_input: HandlerInput) -> Response:
        yes = self.intent_name(handler_input) == "AMAZON.YesIntent"
        if self.turns.attributes(handler_input).get("follow_up"):
            if yes:
                return self.turns.turn(handler_input, "/help")  # "what would you like to do?"
            return self.turns.goodbye(handler_input)
        return self.turns.turn(handler_input, "/affirm" if yes else "/deny")


class BuiltInHandler(_Handler):
    """Help, fallback and navigate-home map to fixed Rasa messages."""

    def _matches(self, handler_input: HandlerInput) -> bool:
        return self.intent_name(handler_input) in BUILT_IN_MESSAGES

    def _respond(self, handler_input: HandlerInput) -> Response:
        return self.turns.turn(handler_input, BUILT_IN_MESSAGES[self.intent_name(handler_input) or ""])


class FreeTextHandler(_Handler):
    """The catch-all intent and "option two" choices: the words heard go to Rasa as text.

    Sound design: a bare answer ("f b one two a a", "it's on Mill Lane", "number five") is not mapped to an
    intent by the skill. Its words go to Rasa, whose active form asked the question and takes the answer
    for the slot it requested (from_entity / from_text mappings, validated by the form's action), and whose
    urgent-phrase override hears "i have nowhere to sleep tonight" whatever was asked. The skill only tidies
    what speech recognition does to codes: a spelt-out postcode or reference becomes its written form.
    """

    def _matches(self, handler_input: HandlerInput) -> bool:
        return self.intent_name(handler_input) in {CATCH_ALL_INTENT, SELECT_OPTION_INTENT}

    def _respond(self, handler_input: HandlerInput) -> Response:
        intent = handler_input.request_envelope.request.intent
        carriers = self.turns.settings.carriers if self.intent_name(handler_input) == CATCH_ALL_INTENT else {}
        text = heard_words(intent, carriers)
        if not text:
            return self.turns.turn(handler_input, "/nlu_fallback")
        return self.turns.free_text(handler_input, text)


class CatalogueIntentHandler(_Handler):
    """One of the council's intents: a Rasa intent payload with the slots as entities."""

    def _matches(self, handler_input: HandlerInput) -> bool:
        return self.intent_name(handler_input) in self.turns.settings.catalogue

    def _respond(self, handler_input: HandlerInput) -> Response:
        intent = handler_input.request_envelope.request.intent
        entities = slot_values(intent)
        if "postcode" in entities:
            entities["postcode"] = spoken_postcode(entities["postcode"]) or entities["postcode"]
        permission_card = False
        if intent.name in ADDRESS_INTENTS and "postcode" not in entities:
            try:
                postcode = device_postcode(handler_input, self.turns.settings)
                if postcode:
                    entities["postcode"] = postcode
            except NoAddressPermission:
                permission_card = True
        return self.turns.turn(handler_input, intent_payload(intent.name, entities), permission_card=permission_card)


class UnknownIntentHandler(_Handler):
    """An intent this skill does not know: the words heard go to Rasa, which answers or offers help."""

    def _matches(self, handler_input: HandlerInput) -> bool:
        return self.request_type(handler_input) == "IntentRequest"

    def _respond(self, handler_input: HandlerInput) -> Response:
        log.info("Unknown Alexa intent %s", self.intent_name(handler_input))
        text = " ".join(slot_values(handler_input.request_envelope.request.intent).values()).strip()
        return self.turns.free_text(handler_input, text) if text else self.turns.turn(handler_input, "/nlu_fallback")


class OtherRequestHandler(_Handler):
    """Requests the skill does not use (player events, system exceptions): acknowledged without speech."""

    def _matches(self, handler_input: HandlerInput) -> bool:
        return True

    def _respond(self, handler_input: HandlerInput) -> Response:
        return handler_input.response_builder.response


class AlwaysSpeakOnError(AbstractExceptionHandler):
    """Any failure (Rasa down or slow, a bad slot) still gets a spoken apology, never silence."""

    def __init__(self, settings: SkillSettings) -> None:
        self.settings = settings

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        """Every exception."""
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        """Log it and apologise in speech, with the council's phone number."""
        log.exception("Alexa request failed", exc_info=exception)
        builder = handler_input.response_builder.speak(ssml(self.settings.apology))
        if handler_input.request_envelope.request.object_type != "SessionEndedRequest":
            builder.ask(ssml("What would you like to do?"))
        return builder.response


def build_skill(settings: SkillSettings, skill_id: str | None = None) -> CustomSkill:
    """The ask-sdk-core skill with every handler, most specific first."""
    turns = VoiceTurns(settings)
    builder = SkillBuilder()
    builder.skill_id = skill_id
    for handler in (LaunchHandler, SessionEndedHandler, StopCancelHandler, StartOverHandler, YesNoHandler,
                    BuiltInHandler, FreeTextHandler, CatalogueIntentHandler, UnknownIntentHandler,
                    OtherRequestHandler):
        builder.add_request_handler(handler(turns))
    builder.add_exception_handler(AlwaysSpeakOnError(settings))
    return builder.create()
