"""The front desk: the conversation policy every chat platform shares.

An adapter turns a platform event into an `Incoming` (or a click on one of the bot's buttons)
and hands it here; the desk decides what happens and returns an `Outcome` that the adapter
renders with its SDK. Everything that is the same on every platform lives here, once:

- redelivered events are dropped (the service's claim, which also sees the store);
- the per-user rate limit, with one private notice per window;
- which attachments are read (extensions, size, count);
- the user's words the bot repeats (an echo of the question, a thread title) have secrets masked;
- which replies carry Solved / Not helpful buttons, and who may press them (the asker,
  moderators and admins); a second click on the same reply does nothing;
- "did you mean" picks by the turn that offered them, so an old button picks from its own offer;
- help goes through the engine and is logged like any turn;
- FAQ links on every reply that has a topic;
- the hand-over: who is alerted and where, what the summary holds, and the bot staying quiet
  in a conversation people have taken over, unless the asker calls on it again.

The service is synchronous, so each answer runs in a worker thread, with a deadline: one huge
or hostile message cannot hold up other users' events, health checks or acknowledgements.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePosixPath
from typing import Final, Literal, TypeVar

from bot.base.secrets import mask_secrets
from bot.base.settings import Settings
from bot.core.links import faq_link
from bot.core.models import Attachment, Choice, Escalation, Incoming, Reply
from bot.runtime.images import IMAGE_SUFFIXES, image_preface, read_image_async, sniff_image
from bot.runtime.paste_links import fetch_paste, find_paste_links
from bot.runtime.ratelimit import RateLimiter
from bot.runtime.service import SupportService, conversation_key
from bot.runtime.workspace_config import NAMES, ConfigValueError, WorkspaceConfig, parse_value

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_FILES: Final = 3  # files read per message
TEXT_SUFFIXES: Final = frozenset({".txt", ".log", ".text", ".out", ".json", ".conf"})
DEADLINE_S: Final = 20.0  # one answer's time limit (platforms drop replies after ~3 s to 15 min)
TITLE_MAX: Final = 100  # thread titles: Discord's limit, and plenty elsewhere
FEEDBACK_KINDS: Final = frozenset({"answer", "diagnosis", "clarify", "abstain"})
SOLVABLE_KINDS: Final = frozenset({"answer", "diagnosis"})
PRIVATE_KEPT: Final = 5_000  # private answers that can still be shared

TOO_MUCH: Final = (
    "That was too much for me to read in time. Please paste less: the output of one command "
    "(`zerotier-cli info`, `peers` or `listnetworks`) and a sentence on what is wrong."
)
SOLVED: Final = "Glad that helped! I've marked this as solved."
HANDOVER_POSTED: Final = (
    "I've alerted the support team with a summary; someone will follow up here."
)
HANDOVER_FAILED: Final = (
    "I couldn't alert the support team automatically; please ask in the support channel."
)
NOT_YOURS: Final = (
    "Only the person who asked (or a moderator) can mark this answer. If you have the same "
    "problem, ask me yourself and I'll answer you in your own thread."
)
ALREADY: Final = "This answer was already marked; thanks."
OLD_OFFER: Final = (
    "That choice belongs to an older answer I no longer have. Please ask again in your own words."
)
NOTHING_TO_DIAGNOSE: Final = "That message has no text or readable files for me to diagnose."
DIAGNOSED: Final = "I've answered that message in its thread."
ALREADY_DIAGNOSED: Final = "I've already diagnosed that message; see its thread."
SHARE_GONE: Final = (
    "I no longer have that private answer to share (it is old, or I restarted). Please ask again."
)
SHARE_NOT_YOURS: Final = "Only the person who asked can share this answer."
ALREADY_CLAIMED: Final = "Someone else already claimed this hand-over."
ALREADY_RESOLVED: Final = "This hand-over was already resolved."
EDIT_WINDOW_S: Final = 600.0  # an edit this soon after the answer is answered again
ANSWERS_KEPT: Final = 10_000  # answered messages remembered for edits
TOPIC_CHOICES: Final = 25  # Discord's autocomplete limit; Slack menus take 100
UNKNOWN_TOPIC: Final = "I don't know a topic called “{}”. Start typing and pick one from the list."
HOME_INTRO: Final = (
    "I answer ZeroTier questions from the FAQ and diagnose pasted `zerotier-cli` output.\n"
    "• Mention me in a support channel, or write to me here.\n"
    "• `/zt <question>` asks in public; `/zt -p <question>` only you see the answer.\n"
    "• `/zt topic` shows one FAQ topic.\n"
    "• *Diagnose with ztbot* in a message's menu answers that message in its thread."
)
CONFIG_TTL_S: Final = 30.0  # how long a workspace's settings are trusted (replicas set them)
CONFIG_USAGE: Final = (
    "Usage: `config show`, `config set <name> <value>`, `config unset <name>`. Names: {}."
)
CONFIG_ADMINS_ONLY: Final = "Only this workspace's admins can see or change its settings."
CONFIG_NO_DB: Final = (
    "I couldn't save that: the database is not reachable. Nothing was changed; try again."
)
ENGLISH_ONLY: Final = "Answers come from the ZeroTier FAQ, which is in English."
CLAIMS_KEPT: Final = 10_000  # hand-overs whose claim is remembered here (the store keeps all)

FileVerdict = Literal["read", "image", "too_big", "not_text"]
_TEXT_TYPES: Final = ("text/", "application/json")


@dataclass(frozen=True, slots=True)
class Upload:
    """A file as the platform delivered it: its name, its bytes, and the type it claimed."""

    name: str
    data: bytes
    mimetype: str = ""


@dataclass(frozen=True, slots=True)
class HandOver:
    """A summary to post where the support people are, pinging their group once."""

    escalation: Escalation
    channel: str | None  # None: post it in the conversation itself
    group: str | None  # the platform's id of the group or role to alert
    key: str = ""  # the conversation, for the post's Claim / Resolve buttons


@dataclass(frozen=True, slots=True)
class SetupProblem:
    """Something the bot lacks where it was set up to work, and how to fix it."""

    where: str  # a channel's name, "this workspace", a role
    lacks: str
    fix: str


def setup_report(problems: Sequence[SetupProblem]) -> str:
    """The status admins read (Markdown): what is missing where, and the fix for each."""
    if not problems:
        return "Everything ztbot needs is in place in the configured channels."
    lines = [f"**ztbot lacks {len(problems)} thing{'s' if len(problems) != 1 else ''}:**"]
    lines += [f"• {p.where}: {p.lacks}. Fix: {p.fix}" for p in problems]
    return "\n".join(lines)


def setup_line(place: str, problems: Sequence[SetupProblem]) -> str:
    """The one line logged at start-up for a workspace or server."""
    if not problems:
        return f"set-up of {place}: complete"
    what = "; ".join(f"{p.where} lacks {p.lacks}" for p in problems)
    return f"set-up of {place}: {len(problems)} problem(s): {what} (see /zt-admin status)"


@dataclass(frozen=True, slots=True)
class Recent:
    """One of a user's conversations, for their home page."""

    channel: str | None
    thread: str | None
    last_seen: datetime
    status: Literal["open", "with people", "resolved"]


@dataclass(frozen=True, slots=True)
class Home:
    """A user's home page with the bot: what it does, its topics, their conversations."""

    intro: str  # Markdown
    topics: tuple[Choice, ...]
    recent: tuple[Recent, ...]


@dataclass(frozen=True, slots=True)
class Claim:
    """Where a hand-over stands: claimed or resolved, by whom (platform user id), when."""

    step: Literal["claimed", "resolved"]
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the adapter does after the desk looked at an event. Empty: do nothing."""

    reply: Reply | None = None  # post it where the conversation is
    private: str | None = None  # tell only the person who acted (Markdown)
    notice: str | None = None  # a short public note after the reply
    close: Literal["solved", "not_helpful"] | None = None  # the clicked message's buttons end
    by: str = ""  # who clicked, for the note that replaces the buttons
    resolved: bool = False  # mark the conversation solved (a tag, a reaction, a title)
    handover: HandOver | None = None
    share: bool = False  # a private answer: it carries a "Share in channel" button
    claim: Claim | None = None  # the hand-over post's new state (its buttons are redrawn)
    update: str | None = None  # the bot's earlier answer to replace by `reply` (an edit)
    public: str | None = None  # "Share in channel" pressed: ask this again in the channel

    @property
    def silent(self) -> bool:
        """True when there is nothing to say or do."""
        return self == _NOTHING


_NOTHING: Final = Outcome()


def file_verdict(name: str, size: int | None, limit: int, mimetype: str = "") -> FileVerdict:
    """How an attachment is read: as text (pasted output), as a screenshot (OCR), or not at
    all; text and images alike within the size limit."""
    lowered = name.lower()
    kind: FileVerdict
    if lowered.endswith(IMAGE_SUFFIXES) or mimetype.startswith("image/"):
        kind = "image"
    elif PurePosixPath(lowered).suffix in TEXT_SUFFIXES or mimetype.startswith(_TEXT_TYPES):
        kind = "read"
    else:
        return "not_text"
    if size is not None and size > limit:
        return "too_big"
    return kind


def skipped_note(names: Sequence[str], limit: int) -> str | None:
    """The line telling the user which files were not read, if any."""
    if not names:
        return None
    return (
        f"I didn't read {', '.join(mask_secrets(n) for n in names)}: over {limit:,} bytes or "
        "not readable. Paste the relevant part in a code block instead."
    )


def _without_link(text: str, url: str) -> str:
    """`text` with `url` taken out (also in Slack's <url|label> form)."""
    return re.sub(rf"<{re.escape(url)}(?:\|[^>]*)?>|{re.escape(url)}", " ", text)


def echo(question: str) -> str:
    """The user's question as the bot may repeat it in public (secrets masked)."""
    return mask_secrets(" ".join(question.split()))


def thread_title(text: str, fallback: str = "ZeroTier help") -> str:
    """A thread title from the first line of prose in `text`, secrets masked."""
    prose = []
    fenced = False
    for line in text[:4000].splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
            continue
        if not fenced and line.strip():
            prose.append(line.strip())
            break
    name = " ".join(mask_secrets(" ".join(prose)).split()).replace("`", "") or fallback
    return name if len(name) <= TITLE_MAX else name[: TITLE_MAX - 1] + "…"


def in_english(reply: Reply, locale: str | None) -> Reply:
    """`reply` with one line saying answers are in English, for a user whose client speaks
    another language (the FAQ is English; only the commands are translated)."""
    if not locale or locale.lower().startswith("en") or reply.kind == "smalltalk":
        return reply
    return replace(reply, note=f"{reply.note} {ENGLISH_ONLY}" if reply.note else ENGLISH_ONLY)


def wants_feedback(reply: Reply) -> bool:
    """Replies that can be judged carry Not helpful; greetings, help, hand-over not."""
    return reply.kind in FEEDBACK_KINDS and reply.turn_id is not None


def solvable(reply: Reply) -> bool:
    """Replies that can also be marked Solved: answers and diagnoses (not "did you mean" or
    "I don't know", where "Solved" would thank the bot for nothing)."""
    return reply.kind in SOLVABLE_KINDS


@dataclass(frozen=True, slots=True)
class _Intake:
    """What the uploads and paste links of one message gave."""

    text: str  # the message without the paste links
    attachments: tuple[Attachment, ...]
    prefaces: tuple[str, ...]  # shown before the answer (what OCR read)
    notes: tuple[str, ...]  # one line each (a link read, a file that could not be)


class FrontDesk:
    """The conversation policy shared by Slack, Discord and the terminal."""

    def __init__(
        self,
        service: SupportService,
        limiter: RateLimiter,
        settings: Settings,
        *,
        deadline_s: float = DEADLINE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.limiter = limiter
        self.settings = settings
        self.deadline_s = deadline_s
        self._clock = clock
        self._told: dict[str, float] = {}  # rate-limited users told, until when
        self._private: OrderedDict[str, tuple[str, str]] = OrderedDict()  # turn: user, text
        self._claims: OrderedDict[str, Claim] = OrderedDict()  # conversation: its hand-over
        self._answers: OrderedDict[str, tuple[str, float]] = OrderedDict()  # message: answer
        self._configs: dict[tuple[str, str], tuple[WorkspaceConfig, float]] = {}
        self._limiters: dict[int, RateLimiter] = {}  # per-workspace limits, by limit

    # --- messages ---------------------------------------------------------------------------

    async def message(
        self,
        incoming: Incoming,
        *,
        addressed: bool = True,
        skipped: Sequence[str] = (),
        uploads: Sequence[Upload] = (),
        private: bool = False,
    ) -> Outcome:
        """A message for the bot: a question, a paste, an upload, a follow-up in a thread.

        `addressed` says the user called on the bot (a mention, a DM, a slash command): after a
        hand-over only that, from the asker, gets an answer. `uploads` are the files the
        adapter fetched (text is read as it is, screenshots with OCR); links to paste sites in
        the text are fetched too. `private`: the answer is shown to the asker only, with a
        "Share in channel" button (`share`).
        """
        if not await self._run(self.service.claim, incoming):
            return _NOTHING
        key = conversation_key(incoming)
        ctx = await self._run(self.service.state, key)
        if ctx.handed_over and not (addressed and incoming.user == ctx.asker):
            log.info("conversation handed over to people; the bot stays quiet")
            return _NOTHING
        await self.workspace(incoming.platform, incoming.workspace)  # its rate limit, if set
        limited = self._limited(incoming)
        if limited is not None:
            return limited
        reply = await self._read_and_answer(incoming, uploads, skipped)
        if private and reply.turn_id is not None:
            return self._privately(reply, incoming.user, incoming.text)
        return Outcome(reply=reply)

    async def _read_and_answer(
        self, incoming: Incoming, uploads: Sequence[Upload], skipped: Sequence[str]
    ) -> Reply:
        """Read the uploads and paste links, answer, and say what was read or skipped."""
        intake = await self._intake(incoming, uploads)
        incoming = replace(
            incoming,
            # The links were read (or said to be unreadable): their words are not the question.
            text=intake.text,
            attachments=(*incoming.attachments, *intake.attachments),
        )
        reply = await self._answer(incoming)
        notes = [n for n in (*intake.notes, skipped_note(skipped, self._limit)) if n]
        if notes:
            note = " ".join(notes)
            reply = replace(reply, note=f"{note} {reply.note}" if reply.note else note)
        if intake.prefaces:
            reply = replace(reply, body="\n\n".join((*intake.prefaces, reply.body)))
        return reply

    @property
    def _limit(self) -> int:
        return self.settings.max_attachment_bytes

    async def _intake(self, incoming: Incoming, uploads: Sequence[Upload]) -> _Intake:
        """Text from the uploads (screenshots read with OCR) and from linked paste sites."""
        attachments: list[Attachment] = []
        prefaces: list[str] = []
        notes: list[str] = []
        for upload in uploads[:MAX_FILES]:
            if sniff_image(upload.data) or file_verdict(upload.name, None, self._limit) == "image":
                read = await read_image_async(upload.data, upload.name, self.settings)
                if read.ok:
                    attachments.append(Attachment(upload.name, read.text))
                    prefaces.append(image_preface(read))
                else:
                    notes.append(f"I couldn't read {mask_secrets(upload.name)}: {read.refusal}")
                continue
            text = upload.data[: self._limit].decode("utf-8", errors="replace")
            attachments.append(Attachment(upload.name, text))
        text = incoming.text
        for url in find_paste_links(incoming.text, self.settings)[:MAX_FILES]:
            text = _without_link(text, url)
            fetched = await fetch_paste(url, self.settings)
            if fetched.ok and fetched.text is not None:
                attachments.append(Attachment(url, fetched.text))
                notes.append(f"I read the paste at {url}.")
            else:
                notes.append(f"I couldn't read {url}: {fetched.error}")
        return _Intake(text, tuple(attachments), tuple(prefaces), tuple(notes))

    def _privately(self, reply: Reply, user: str, question: str) -> Outcome:
        """A private answer, kept so its asker can share it."""
        assert reply.turn_id is not None
        self._private[reply.turn_id] = (user, question)
        while len(self._private) > PRIVATE_KEPT:
            self._private.popitem(last=False)
        return Outcome(reply=reply, share=True)

    async def home(self, where: Incoming) -> Home:
        """The home page of `where.user`: how to ask, the topics, their newest conversations."""
        rows = await self._run(self.service.recent, where.platform, where.workspace, where.user)
        recent = tuple(
            Recent(
                channel,
                thread,
                seen,
                "resolved" if resolved else "with people" if escalated else "open",
            )
            for _key, channel, thread, seen, escalated, resolved in rows
        )
        return Home(HOME_INTRO, tuple(self.topics(limit=100)), recent)

    # --- topics at hand ---------------------------------------------------------------------

    def topics(self, query: str = "", limit: int = TOPIC_CHOICES) -> list[Choice]:
        """FAQ topics whose title (or id) holds every word typed so far, in FAQ order."""
        wanted = query.casefold().split()
        found = [
            Choice(t.id, None, t.title)
            for t in self.service.knowledge.topics
            if all(w in t.title.casefold() or w in t.id for w in wanted)
        ]
        return found[:limit]

    def find_topic(self, name: str) -> Choice | None:
        """The topic `name` names: an id, a title, or the only match of the words typed."""
        kb = self.service.knowledge
        topic = kb.by_id.get(name.strip())
        if topic is not None:
            return Choice(topic.id, None, topic.title)
        wanted = " ".join(name.casefold().split())
        exact = [c for c in self.topics(name, limit=1000) if c.title.casefold() == wanted]
        found = exact or self.topics(name, limit=2)
        return found[0] if len(found) == 1 else None

    async def topic(self, where: Incoming, name: str) -> Outcome:
        """A topic looked up by name (autocomplete, a menu): its FAQ answer, shown to the
        person only, with "Share in channel"; logged like any turn."""
        choice = self.find_topic(name)
        if choice is None:
            return Outcome(private=UNKNOWN_TOPIC.format(mask_secrets(name)[:100]))
        limited = self._limited(where)
        if limited is not None:
            return limited
        reply = await self._answer(replace(where, text=choice.title, attachments=()), choice)
        if reply.turn_id is None:
            return Outcome(reply=reply)
        return self._privately(reply, where.user, choice.title)

    def share(self, where: Incoming, turn: str) -> Outcome:
        """ "Share in channel" on private answer `turn`: its question, to ask in public."""
        kept = self._private.get(turn)
        if kept is None:
            return Outcome(private=SHARE_GONE)
        user, question = kept
        if where.user != user:
            return Outcome(private=SHARE_NOT_YOURS)
        del self._private[turn]  # shared once
        return Outcome(public=question)

    async def diagnose(
        self,
        incoming: Incoming,
        *,
        by: str,
        skipped: Sequence[str] = (),
        uploads: Sequence[Upload] = (),
    ) -> Outcome:
        """ "Diagnose with ztbot" on someone's message, chosen by user `by`.

        The message is answered as if its author had asked (so the author may press Solved),
        in its thread, even after a hand-over: someone called on the bot explicitly. Its
        `event_id` names the message, so it is diagnosed once however many people choose it.
        The rate limit counts against the person who chose it; they are told where it went.
        """
        if not incoming.text.strip() and not incoming.attachments and not uploads:
            return Outcome(private=NOTHING_TO_DIAGNOSE)
        if not await self._run(self.service.claim, incoming):
            return Outcome(private=ALREADY_DIAGNOSED)
        limited = self._limited(replace(incoming, user=by))
        if limited is not None:
            return limited
        reply = await self._read_and_answer(incoming, uploads, skipped)
        return Outcome(reply=reply, private=DIAGNOSED)

    async def knows(self, key: str) -> bool:
        """Whether conversation `key` was served before: a thread reply there is a follow-up."""
        return await self._run(self.service.known, key)

    async def help(self, where: Incoming) -> Outcome:
        """What the bot can do: the engine's help, logged like any turn."""
        return Outcome(reply=await self._answer(replace(where, text="help", attachments=())))

    async def pick(self, where: Incoming, turn: str, n: int) -> Outcome:
        """A "did you mean" button: choice `n` of the offer made by reply `turn`."""
        key = await self._run(self.service.conversation_of, turn) or conversation_key(where)
        ctx = await self._run(self.service.state, key)
        offer = next((o for o in ctx.offers if o.turn == turn), None)
        if offer is None:
            return Outcome(private=OLD_OFFER)
        if not 1 <= n <= len(offer.choices):
            return Outcome(private=f"Pick a number from 1 to {len(offer.choices)}.")
        limited = self._limited(where)
        if limited is not None:
            return limited
        choice = offer.choices[n - 1]
        incoming = replace(where, text=choice.title, conversation=key, attachments=())
        return Outcome(reply=await self._answer(incoming, choice))

    async def feedback(
        self, where: Incoming, turn: str, *, helpful: bool, moderator: bool = False
    ) -> Outcome:
        """Solved / Not helpful on reply `turn`, pressed by `where.user`."""
        key = await self._run(self.service.conversation_of, turn) or conversation_key(where)
        ctx = await self._run(self.service.state, key)
        if ctx.asker and where.user != ctx.asker and not moderator:
            return Outcome(private=NOT_YOURS)
        if turn in ctx.judged:
            return Outcome(private=ALREADY, close="solved" if helpful else "not_helpful")
        if helpful:
            await self._run(self.service.solved, turn, where.user)
            await self._run(self.service.support, key, "resolved", where.user)
            log.info("turn %s marked solved", turn)
            return Outcome(notice=SOLVED, close="solved", by=where.user, resolved=True)
        incoming = replace(where, text="", conversation=key, attachments=())
        reply = await self._run(self.service.decline, incoming, turn)
        reply = self._linked(reply)
        handover = None
        if reply.escalation is not None:
            channel, group = await self._target(where)
            handover = HandOver(
                replace(reply.escalation, user=ctx.asker or where.user), channel, group, key
            )
            await self._run(self.service.support, key, "escalated", ctx.asker or where.user)
        return Outcome(reply=reply, close="not_helpful", by=where.user, handover=handover)

    # --- per-workspace settings ------------------------------------------------------------

    async def workspace(self, platform: str, workspace: str | None) -> WorkspaceConfig:
        """The settings in force in a workspace (its admins' over the environment's)."""
        key = (platform, workspace or "")
        cached = self._configs.get(key)
        if cached is not None and self._clock() - cached[1] < CONFIG_TTL_S:
            return cached[0]
        values = None
        if workspace:
            values = await self._run(self.service.workspace_settings, platform, workspace)
        if values is None and cached is not None:
            return cached[0]  # the database is down: keep what we had
        config = WorkspaceConfig(platform, workspace or "", values or {})
        self._configs[key] = (config, self._clock())
        return config

    async def config(self, where: Incoming, command: str, *, admin: bool) -> Outcome:
        """`config show|set <name> <value>|unset <name>` from an admin of `where.workspace`."""
        if not admin:
            return Outcome(private=CONFIG_ADMINS_ONLY)
        current = await self.workspace(where.platform, where.workspace)
        verb, _, rest = command.strip().partition(" ")
        name, _, raw = rest.strip().partition(" ")
        usage = CONFIG_USAGE.format(", ".join(f"`{n}`" for n in current.names()))
        if verb == "show" or not verb:
            return Outcome(private=current.show(self.settings))
        if verb not in ("set", "unset") or name not in current.names() or not where.workspace:
            return Outcome(private=usage)
        value: str | None = None
        if verb == "set":
            try:
                value = parse_value(name, raw)
            except ConfigValueError as exc:
                return Outcome(private=f"{exc}. {usage}")
        try:
            old = await self._run(
                self.service.set_workspace_setting,
                where.platform,
                where.workspace,
                name,
                value,
                where.user,
            )
        except Exception:
            log.exception("a workspace setting could not be saved")
            return Outcome(private=CONFIG_NO_DB)
        self._configs.pop((where.platform, where.workspace), None)
        log.info("workspace setting %s changed by an admin", name)
        new = value if value is not None else f"the default ({current.get(name, self.settings)})"
        return Outcome(private=f"`{name}`: {old or 'default'} → {new}. {NAMES[name]}.")

    # --- edited questions ------------------------------------------------------------------

    def answered(self, message: str, answer: str) -> None:
        """The adapter posted `answer` (its platform id) for the user's `message`."""
        self._answers[message] = (answer, self._clock())
        self._answers.move_to_end(message)
        while len(self._answers) > ANSWERS_KEPT:
            self._answers.popitem(last=False)

    async def edited(self, incoming: Incoming, message: str) -> Outcome:
        """The user edited `message`: when the bot answered it within the last
        `EDIT_WINDOW_S`, the new text is answered and replaces the old answer (`update`);
        other edits (chatter, old messages, ones the bot never answered) are left alone."""
        kept = self._answers.get(message)
        if kept is None or self._clock() - kept[1] > EDIT_WINDOW_S:
            return _NOTHING
        if not incoming.text.strip() and not incoming.attachments:
            return _NOTHING
        if not await self._run(self.service.claim, incoming):
            return _NOTHING
        limited = self._limited(incoming)
        if limited is not None:
            return limited
        log.info("an answered message was edited: answering it again")
        return Outcome(reply=await self._answer(incoming), update=kept[0])

    # --- the support workflow ------------------------------------------------------------

    async def claim(self, where: Incoming, key: str) -> Outcome:
        """ "Claim" on the hand-over post of conversation `key`: `where.user` takes it."""
        current = self._claims.get(key)
        if current is not None:
            told = ALREADY_RESOLVED if current.step == "resolved" else ALREADY_CLAIMED
            return Outcome(private=None if current.by == where.user else told, claim=current)
        at = await self._run(self.service.support, key, "claimed", where.user)
        log.info("hand-over claimed")
        return Outcome(claim=self._keep(key, Claim("claimed", where.user, at)))

    async def resolve(self, where: Incoming, key: str) -> Outcome:
        """ "Resolve" on the hand-over post of conversation `key` (claimed or not)."""
        current = self._claims.get(key)
        if current is not None and current.step == "resolved":
            return Outcome(private=ALREADY_RESOLVED, claim=current)
        if current is None:  # resolved straight away: it was claimed by whoever resolved it
            await self._run(self.service.support, key, "claimed", where.user)
        at = await self._run(self.service.support, key, "resolved", where.user)
        log.info("hand-over resolved")
        return Outcome(claim=self._keep(key, Claim("resolved", where.user, at)))

    def _keep(self, key: str, claim: Claim) -> Claim:
        self._claims[key] = claim
        self._claims.move_to_end(key)
        while len(self._claims) > CLAIMS_KEPT:
            self._claims.popitem(last=False)
        return claim

    # --- internals --------------------------------------------------------------------------

    async def _answer(self, incoming: Incoming, choice: Choice | None = None) -> Reply:
        try:
            reply = await asyncio.wait_for(
                asyncio.to_thread(self.service.answer, incoming, choice), self.deadline_s
            )
        except TimeoutError:
            log.warning(
                "answer took over %.0f s (%d characters); told the user to paste less",
                self.deadline_s,
                len(incoming.text) + sum(len(a.text) for a in incoming.attachments),
            )
            return Reply(kind="abstain", body=TOO_MUCH)
        return self._linked(reply)

    def _linked(self, reply: Reply) -> Reply:
        kb = self.service.knowledge
        link = faq_link(kb, reply.topic, reply.section, self.settings.faq_url)
        return reply if link is None else replace(reply, link=link)

    async def _run(self, fn: Callable[..., T], *args: object) -> T:
        """A quick service call (a state or event look-up) off the event loop."""
        return await asyncio.to_thread(fn, *args)

    def _limited(self, incoming: Incoming) -> Outcome | None:
        """None when the user may send this; else a private notice, once per window."""
        key = f"{incoming.platform}:{incoming.workspace or ''}:{incoming.user}"
        limiter = self._limiter_of(incoming)
        if limiter.allow(key):
            return None
        now = self._clock()
        wait = max(1, round(limiter.retry_after(key)))
        log.info("rate limited %s for %d s", incoming.platform, wait)
        if self._told.get(key, 0.0) > now:
            return _NOTHING
        self._told[key] = now + wait
        if len(self._told) > 10_000:
            self._told = {k: v for k, v in self._told.items() if v > now}
        return Outcome(
            private=(
                "You're sending messages faster than I can answer. "
                f"Please wait {wait} s and try again."
            )
        )

    def _limiter_of(self, incoming: Incoming) -> RateLimiter:
        """The workspace's own rate limit when its admins set one (settings as last read)."""
        cached = self._configs.get((incoming.platform, incoming.workspace or ""))
        own = cached[0].values.get("rate_limit") if cached is not None else None
        if own is None or not own.isdigit():
            return self.limiter
        limit = int(own)
        if limit not in self._limiters:
            self._limiters[limit] = RateLimiter(limit, self.settings.rate_window_s)
        return self._limiters[limit]

    async def _target(self, where: Incoming) -> tuple[str | None, str | None]:
        """Where a workspace's hand-overs go and whom they alert (its settings)."""
        config = await self.workspace(where.platform, where.workspace)
        channel = config.get("escalation_channel", self.settings)
        group = config.get("escalation_group", self.settings)
        return channel, group
