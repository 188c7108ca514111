"""Translations of ztbot's Discord command names and descriptions (Discord shows each user
the one for their client's language). Only the commands' metadata is translated: answers come
from the FAQ, in English. Names follow Discord's rules (lower case, no spaces; context menu
names may have both)."""

from __future__ import annotations

from typing import Any, Final

from discord import Locale, app_commands

LOCALES: Final = ("de", "fr", "es-ES", "pt-BR", "zh-CN")

# English text: translations in LOCALES' order.
_TEXT: Final[dict[str, tuple[str, str, str, str, str]]] = {
    # command and option names
    "ask": ("fragen", "demander", "preguntar", "perguntar", "提问"),
    "diagnose": ("diagnose", "diagnostiquer", "diagnosticar", "diagnosticar", "诊断"),
    "topic": ("thema", "sujet", "tema", "topico", "主题"),
    "help": ("hilfe", "aide", "ayuda", "ajuda", "帮助"),
    "Diagnose with ztbot": (
        "Mit ztbot diagnostizieren",
        "Diagnostiquer avec ztbot",
        "Diagnosticar con ztbot",
        "Diagnosticar com ztbot",
        "用 ztbot 诊断",
    ),
    # descriptions
    "ZeroTier help from the FAQ and your output": (
        "ZeroTier-Hilfe aus der FAQ und deiner Ausgabe",
        "Aide ZeroTier tirée de la FAQ et de votre sortie",
        "Ayuda de ZeroTier a partir de la FAQ y tu salida",
        "Ajuda do ZeroTier a partir da FAQ e da sua saída",
        "来自 FAQ 和你的输出的 ZeroTier 帮助",
    ),
    "Ask a ZeroTier question in your own words": (
        "Stelle eine ZeroTier-Frage in deinen eigenen Worten",
        "Posez une question sur ZeroTier avec vos mots",
        "Haz una pregunta sobre ZeroTier con tus palabras",
        "Faça uma pergunta sobre o ZeroTier com suas palavras",
        "用你自己的话提一个 ZeroTier 问题",
    ),
    "Paste zerotier-cli output for a diagnosis": (
        "Füge zerotier-cli-Ausgabe für eine Diagnose ein",
        "Collez la sortie de zerotier-cli pour un diagnostic",
        "Pega la salida de zerotier-cli para un diagnóstico",
        "Cole a saída do zerotier-cli para um diagnóstico",
        "粘贴 zerotier-cli 输出以进行诊断",
    ),
    "One FAQ topic's answer, shown to you (share it if you like)": (
        "Die Antwort zu einem FAQ-Thema, nur für dich (teilen möglich)",
        "La réponse d'un sujet de la FAQ, visible par vous (partageable)",
        "La respuesta de un tema de la FAQ, solo para ti (puedes compartirla)",
        "A resposta de um tópico da FAQ, só para você (pode compartilhar)",
        "某个 FAQ 主题的答案，仅你可见（可分享）",
    ),
    "What this bot can do": (
        "Was dieser Bot kann",
        "Ce que ce bot sait faire",
        "Lo que puede hacer este bot",
        "O que este bot pode fazer",
        "这个机器人能做什么",
    ),
    "e.g. ping doesn't work on windows": (
        "z. B. Ping funktioniert unter Windows nicht",
        "p. ex. le ping ne marche pas sous Windows",
        "p. ej. el ping no funciona en Windows",
        "ex.: o ping não funciona no Windows",
        "例如：Windows 上 ping 不通",
    ),
    "only you see the answer (you can share it afterwards)": (
        "nur du siehst die Antwort (du kannst sie danach teilen)",
        "vous seul voyez la réponse (partageable ensuite)",
        "solo tú ves la respuesta (puedes compartirla después)",
        "só você vê a resposta (pode compartilhar depois)",
        "只有你能看到答案（之后可以分享）",
    ),
    "start typing, then pick a topic": (
        "tippe los und wähle ein Thema",
        "commencez à taper puis choisissez un sujet",
        "empieza a escribir y elige un tema",
        "comece a digitar e escolha um tópico",
        "开始输入，然后选择一个主题",
    ),
    "ztbot administration": (
        "ztbot-Verwaltung",
        "Administration de ztbot",
        "Administración de ztbot",
        "Administração do ztbot",
        "ztbot 管理",
    ),
    "Load the knowledge files again": (
        "Die Wissensdateien neu laden",
        "Recharger les fichiers de connaissances",
        "Volver a cargar los archivos de conocimiento",
        "Recarregar os arquivos de conhecimento",
        "重新加载知识文件",
    ),
    "What users asked and what went unanswered": (
        "Was gefragt wurde und was unbeantwortet blieb",
        "Ce qui a été demandé et ce qui est resté sans réponse",
        "Qué se preguntó y qué quedó sin respuesta",
        "O que foi perguntado e o que ficou sem resposta",
        "用户问了什么，哪些没有得到回答",
    ),
    "how far back, e.g. 7d, 24h (default 7d)": (
        "wie weit zurück, z. B. 7d, 24h (Standard 7d)",
        "jusqu'où remonter, p. ex. 7d, 24h (7d par défaut)",
        "cuánto atrás, p. ej. 7d, 24h (7d por defecto)",
        "quanto tempo atrás, ex.: 7d, 24h (padrão 7d)",
        "回溯多久，例如 7d、24h（默认 7d）",
    ),
    "This server's own ztbot settings": (
        "Die ztbot-Einstellungen dieses Servers",
        "Les réglages ztbot propres à ce serveur",
        "Los ajustes de ztbot de este servidor",
        "As configurações do ztbot deste servidor",
        "本服务器自己的 ztbot 设置",
    ),
    "Every setting, and whether it is set here": (
        "Alle Einstellungen und ob sie hier gesetzt sind",
        "Tous les réglages, et s'ils sont définis ici",
        "Todos los ajustes y si están definidos aquí",
        "Todas as configurações e se foram definidas aqui",
        "所有设置，以及是否在此设置",
    ),
    "Change one of this server's settings": (
        "Eine Einstellung dieses Servers ändern",
        "Modifier un réglage de ce serveur",
        "Cambiar un ajuste de este servidor",
        "Alterar uma configuração deste servidor",
        "更改本服务器的一项设置",
    ),
    "Go back to the default for one setting": (
        "Eine Einstellung auf den Standard zurücksetzen",
        "Revenir à la valeur par défaut d'un réglage",
        "Volver al valor predeterminado de un ajuste",
        "Voltar ao padrão de uma configuração",
        "将一项设置恢复为默认值",
    ),
    "What ztbot lacks in this server": (
        "Was ztbot auf diesem Server fehlt",
        "Ce qui manque à ztbot sur ce serveur",
        "Lo que le falta a ztbot en este servidor",
        "O que falta ao ztbot neste servidor",
        "ztbot 在本服务器缺少什么",
    ),
    "the setting": ("die Einstellung", "le réglage", "el ajuste", "a configuração", "设置项"),
    "#channels, a @role, a tag name or a number": (
        "#Kanäle, eine @Rolle, ein Tag-Name oder eine Zahl",
        "#salons, un @rôle, un nom d'étiquette ou un nombre",
        "#canales, un @rol, un nombre de etiqueta o un número",
        "#canais, um @cargo, um nome de tag ou um número",
        "#频道、@身份组、标签名或数字",
    ),
}
TRANSLATIONS: Final[dict[str, dict[str, str]]] = {
    english: dict(zip(LOCALES, texts, strict=True)) for english, texts in _TEXT.items()
}


class CommandTranslator(app_commands.Translator):
    """Discord's translator hook: our table, nothing for other languages (English shows)."""

    async def translate(
        self, string: app_commands.locale_str, locale: Locale, context: Any
    ) -> str | None:
        """The translation of `string` for `locale`, or None."""
        return TRANSLATIONS.get(string.message, {}).get(locale.value)
