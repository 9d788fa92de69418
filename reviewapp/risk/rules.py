# ruff: noqa: E501  (a table of rules reads best one rule a line)
"""The screening rules, as data, organised like the instruments clinicians use.

The categories follow the Columbia Suicide Severity Rating Scale screener —
wish to be dead, suicidal thoughts, method, intent, plan, preparatory and
recent behaviour — with crisis-line triage of acting now and of harm to
others, and the elevated signs a clinician should see soon (burdensomeness,
wanting to disappear, self-harm urges returning, reckless indifference,
drinking to numb, hopelessness about life itself). Each category is written
as paraphrase families — word groups defined once, Finnish and English side
by side, and combined — not as a list of sentences: the learned layer
(``reviewapp.risk.model``) covers the paraphrases no family names.

A rule is a sequence of slots that must occur in order, each within ``gap``
words of the one before. A slot lists alternatives separated by "|":
``word`` matches the word as written; ``stem*`` matches any form starting with
the stem (Finnish inflection); ``#many`` matches a count of eight or more
("30", "thirty", "kolmekymmentä"). Alternatives of six letters or more also
match one typo away ("sucide", "itsemurah"). Before a rule counts:

- a negation just before it, in the same clause, cancels it ("I'm not
  suicidal", "en halua kuolla"), unless the rule is written with its negation;
- talk about the topic (a course, a documentary) with no first-person word
  just before cancels a rule that names the topic;
- history told as history ("years ago", "nuorena") with nothing recent in the
  message ("again", "taas", "now") cancels it;
- a rule's ``unless`` words anywhere in the message cancel it: a goodbye before
  a trip is not a farewell, a threat with a laugh is not a threat.

A rule may be ``weak``: a sign that is often innocent (standing on a bridge,
a threat against someone) says "elevated" on its own, never crisis; the
learned layer or another rule raises it further. Rule names are the
categories: reviewers and the audit log see them; they never quote the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewapp.risk.levels import CRISIS, ELEVATED


@dataclass(frozen=True)
class Rule:
    name: str
    level: str
    slots: tuple[tuple[str, ...], ...]
    gap: int = 3
    negatable: bool = True
    # Words anywhere in the message that mean this rule is not what it seems.
    unless: frozenset[str] = frozenset()
    # Words one of which must be somewhere in the message: "I'll do it tomorrow"
    # is a plan only where "it" is dying.
    needs: frozenset[str] = frozenset()
    # Said laughing it is no threat (harm to others, not harm to oneself).
    joke_cancels: bool = False
    # Most rules hold within a sentence; a few say one thing across two
    # ("bought a rope today. i know which beam.").
    across_sentences: bool = False


def _words(alternatives: str) -> frozenset[str]:
    return frozenset(alternatives.split("|")) if alternatives else frozenset()


def _rule(level: str, name: str, *slots: str, unless: str = "", needs: str = "", **kwargs) -> Rule:
    return Rule(
        name,
        level,
        tuple(tuple(s.split("|")) for s in slots),
        unless=_words(unless),
        needs=_words(needs),
        **kwargs,
    )


def crisis(name: str, *slots: str, **kwargs) -> Rule:
    return _rule(CRISIS, name, *slots, **kwargs)


def elevated(name: str, *slots: str, **kwargs) -> Rule:
    return _rule(ELEVATED, name, *slots, **kwargs)


def weak(name: str, *slots: str, **kwargs) -> Rule:
    """A crisis sign that is often innocent on its own: it says elevated."""
    return _rule(ELEVATED, name, *slots, **kwargs)


def _alts(*groups: str) -> str:
    return "|".join(groups)


# --- paraphrase families, both languages -------------------------------------

# Wanting, planning or being about to (the C-SSRS "intent" stem).
INTEND_EN = "want|wanna|going|gonna|plan|planning|planned|ready|decided|intend|will|i'll|ill|about|try|trying|attempt|thinking|thought|considering"
INTEND_FI = "haluan|haluun|haluisin|haluaisin|aion|aijon|meinaan|päätin|päättäny|päättänyt|suunnittelen|taidan|yritän|ajattelen|mietin"
SELF_EN = "myself|my self|meself|my life|my own life|own life"
SELF_FI = "itseni|itteni|ittein|mut|minut|itseäni|itteäni|itteeni|itseeni|henkeni"
DIE_FI = "kuolla|kuolemaan|tappaa itseni|tappaa itteni|päättää päiväni|päättää elämäni"

# Medicines and substances: generic names, the brands people name, slang.
SUBSTANCES_EN = "pill*|tablet*|meds|medication*|paracetamol|painkiller*|sleeping pill*|sleepers|antidepressant*|insulin|tylenol|advil|ibuprofen|benadryl|xanax|ambien|zoloft|sertraline|quetiapine|seroquel|oxy*|codeine|tramadol|lorazepam|diazepam|valium|lithium|caps|capsules"
SUBSTANCES_FI = "pilleri*|lääke*|lääkk*|tablet*|unilääk*|särkylääk*|panadol*|pamol*|burana*|ibuxin*|tenox*|opamox*|xanor*|ketipinor*|tsopiklon*|zopinox*|mirtazapin*|sertralin*|insuliini*|nappi*|kapsel*|diapam*"
SUBSTANCES = _alts(SUBSTANCES_EN, SUBSTANCES_FI)
SWALLOWED = "otti|nieli|took|taken|swallowed|downed|ate|popped|necked|had|otin|ottanut|ottanu|nielin|nielaisin|söin|syöny|syönyt|vedin|vetäsin|napsin|popsin|nappasin|tungin|otettu"
# A dose no one takes as prescribed.
MANY = "#many|all|whole|entire|every|bottle|handful|box|pack|packet|strip|kaikki|koko|kourallisen|kourallinen|purkin|purkillisen|purkillinen|levyn|levyllisen|paketin|pakkauksen|liikaa|too many"

# A medicine taken as it should be.
AS_PRESCRIBED = (
    "as prescribed|prescribed dose|as usual|usual dose|my usual|as directed|as the doctor|"
    "doctor said|like always|as always|headache|migraine|määrätty*|normaalisti|tavalliseen tapaan|"
    "ohjeen mukaan|ohjeiden mukaan|lääkäri sano*|päänsärky*|särkyyn|kipuun|flunssa*|kuume*|"
    "migreeni*|niinku aina|kuten aina"
)
STOCKPILED = "saved|saving|stockpiled|stockpiling|collected|collecting|hoarded|hoarding|stashed|stash|säästänyt|säästäny|säästin|säästämään|säästelly|kerännyt|keränny|keräsin|kerään|varastoin|varastoinu|hamstrannut"

TRACKS = "tracks|railway line|train tracks|rails|raiteil*|raiteille|kiskoil*|kiskoille|junaradalla|junaradal*|radalla|ratapihal*"
HEIGHTS = "bridge|overpass|roof|rooftop|ledge|tracks|railway|railroad|cliff|balcony|car park|parking garage|tower|pier|platform edge|silla*|silta|katolla|katolta|katon|raitei*|radalla|kiskoil*|junarad*|kerrostalo*|parveke*|kalliolla|kalliolta|laituri*|parkkihall*|pysäköintitalo*"
EDGE = "edge|ledge|railing|looking down|jump|jumping|reunalla|reunal*|reunalta|kaiteen|kaiteel*|kaide*|alas|hypätä|hyppää*|hyppään"
HERE_NOW = "standing|stood|sitting|sat|i'm|im|i am|here|seison|seisoin|istun|istuin|oon|olen|mä oon|täällä|tääl"

WEAPONS = "gun|pistol|shotgun|rifle|revolver|knife|blade*|razor*|rope|noose|ligature|belt|cord|ase|aseen|asetta|haulikk*|kivääri*|pistooli*|puukko*|veitsi|veitse*|terä*|partaterä*|köysi|köyden|köyttä|köyd*|silmukk*|vyö"
LOADED = "loaded|ready|in my hand|next to me|on the table|in my lap|tied|is up|hanging|hung up|ripustettu|roikkuu|ladattu*|valmiina|kädessä|kourassa|vieressä|pöydällä|sylissä|solmittu|solmin|kiinnitin"

HURT_EN = "kill|hurt|stab|strangle|murder|beat|choke"
# First-person forms only: "opettaja tappaa meidät" is the teacher, and hyperbole.
HURT_FI = "tapan|tappaisin|satutan|satuttaisin|puukotan|ammun|kuristan|hakkaan"
PEOPLE = "him|her|them|someone|somebody|people|everyone|everybody|dad|mum|mom|boss|husband|wife|boyfriend|girlfriend|neighbour|neighbor|ex|brother|sister|hänet|sen|ne|heidät|jonkun|isän|äidin|pomon|miehen|vaimon|naapurin|exän|poikaystäv*|tyttöystäv*|veljen|siskon"
CHILD = "baby|child|kid|son|daughter|lasta|lapsen|lapsi*|vauva*|poikaa|tyttöä"

# A threat on a condition ("if he spoils the finale") is hyperbole more often than not:
# alone it says elevated (the weak rule), never crisis.
IF = "if|unless|jos|ellei|jollei"
# Where knives, guns and ropes are ordinary: cooking, hunting, fishing, farming,
# climbing, crafts and repairs.
ORDINARY_USE = (
    "teurast*|slaughter*|butcher*|lammas*|lampaat|sheep|kalaan|kalastu*|kalassa|onki*|fishing|"
    "fish|harness|valjaat|barn|navetta*|fixing|repair*|korjaa*|kalliokiipeily*|sisäkiipeily*|"
    "cooking|cook|kitchen|chopping|chop|slicing|vegetables|carrots|onions|dinner|lunch|breakfast|"
    "pilko*|pilkko*|kokkaus*|leipo*|salaatti*|vihannek*|porkkan*|sipul*|peruna*|illallinen|lounas|"
    "aamupala|keittoa|soppa*|"
    "cutting board|recipe|hunting|hunt|hunter|range|season|deer|"
    "duck|clay|climbing|knitting|keittiö*|ruoka*|ruoan|kokkaa*|leikkuulauta|resepti*|metsästy*|"
    "metsälle|metsällä|jahti*|jahdissa|jahtiin|sorsast*|hirvi*|riista*|ampumarata*|ampumaseur*|"
    "kiipeily*|neulo*|sieni*|sienestä*"
)
# A trip, a holiday, a move, a break, the end of a job, a course or of care here:
# a goodbye that is not a farewell.
ORDINARY_PARTING = (
    "job|work|colleague|colleagues|coworker*|team|class|teacher|therapy|therapist|service|"
    "graduat*|retire*|party|työ*|töistä|firma*|kollega*|opettaja*|terapia*|terapeut*|hoitosuhde*|"
    "hoitojakso*|palvelu*|siirryn|valmistu*|eläkkeelle|juhla*|bileet|"
    "trip|holiday|holidays|vacation|travel|travelling|traveling|flight|abroad|moving|move|break|"
    "course|semester|session|group|back on|back in|see you|for now|for a while|for a few|for a bit|"
    "until then|till then|offline|heading off|off to|exchange|surgery|operation|weeks|month|months|"
    "loma*|lomalle|lomaa|matka*|matkalle|reissu*|reissuun|muutan|muutto*|muuton|tauko*|tauolle|"
    "nähdään|palaan|palaillaan|takaisin|kurssi*|vaihtoon|vaihto*|armeijaan|inttiin|ryhmä*|"
    "vähään aikaan|hetkeksi|siihen asti|toistaiseksi|lähden|lähdemme|lähen|lähdetään|viikoksi|"
    "kevä*|syksy*|kuoro*|choir|term|lukukau*|harrastu*|"
    "viikoks|kuukaudeksi|kuukaudeks|leikkaus*|leikkaukseen|tapaaminen|tapaamiskerta|istunto*"
)
# At a height for an ordinary reason, or throwing something else off it.
AT_A_HEIGHT_FOR_A_REASON = (
    "repair|repairing|fixing|korjaa*|korjaamassa|nuohoa*|nuohooja|työmaa*|töissä|view|näkymä*|"
    "maisema*|photo|kuva*|selfie|throw it|throw the|throw that|throwing the|heitän sen|heitin sen|"
    "heitän ton|heittää sen"
)
PETS = "cat|cats|dog|dogs|pet|pets|bird|birds|rabbit*|hamster*|guinea pig*|gerbil*|budgie*|kissa*|koira*|lemmik*|marsu*|kani*|hamsteri*|undulaatti*|lintu*"
# Why a pet is rehomed without a farewell.
REHOMING_REASON = "allergy|allergic|allergies|landlord|moving|move|new flat|allerg*|muutan|muutto*|vuokranantaja*|vuokrananta*"

# What "it" must be about for "I'll do it on Friday" to be a plan.
DYING = (
    "die|dying|dead|death|kill|killing|suicide|suicidal|end it|end my life|overdose|pills|rope|"
    "noose|jump|goodbye|gone|kuolla|kuolen|kuolema*|kuoleman|itsemurh*|itsari*|tappaa|tapan|"
    "pilleri*|lääkkeet|köysi|köyden|hypätä|hyppään|hyvästi*|lopettaa kaiken|lopetan kaiken|"
    "poissa|ei enää"
)
DEATH_WISH_EN = "dead|die|died|gone|disappear|wake|not wake up|exist|born|sleep forever"

RULES: tuple[Rule, ...] = (
    # ====================================================================
    # Crisis — C-SSRS 2: suicidal thoughts
    # ====================================================================
    crisis("suicidal_thoughts", "suicidal|suicidality", gap=1),
    crisis("suicidal_thoughts", "kms|unalive|unaliving|ctb", gap=1),
    crisis(
        "suicidal_thoughts",
        "itsemurha-ajatu*|itsemurha-ajatuks*|itsemurhaajatu*|itsemurha-ajatuksia|suicidal thoughts|itsetuhoisia ajatuksia|itsetuhoiset ajatukset",
        gap=1,
    ),
    crisis(
        "suicidal_thoughts",
        "itsmurh*|itsemurh*|itsari*|itsaritt*|suicid*|suicide|killing myself|killing meself|tappaa itseni|tappaa itteni",
        "ajatu*|ajatuks*|thoughts|thinking|thought|mielessä|päässä",
        gap=3,
    ),
    crisis(
        "suicidal_thoughts",
        "thinking|thought|think|thoughts|keep|picturing|imagining|ajattelen|ajattelin|mietin|mietityttää|ajatus|ajatuksia|kuvittelen",
        "suicide|suicid*|killing myself|ending my life|ending it|taking my own life|my own life|itsemurh*|itsemurhaa|itsarii|tappaa itseni|tappaa itteni|tappamista|tappaa itsensä|tappaa ittensä|tappais ittensä|tappaisi itsensä|itsensä tappami*",
        gap=4,
    ),
    elevated("suicidal_thoughts", "suicide|itsemurh*|itsari*", gap=1),
    # ====================================================================
    # Crisis — C-SSRS 4: intent
    # ====================================================================
    crisis("intent", INTEND_EN, "kill|end|take|off|unalive", SELF_EN, gap=4),
    crisis(
        "intent",
        "kill|killing|unalive|unaliving|hang|hanging|drown|off",
        "myself|my self|meself",
        gap=2,
    ),
    crisis("intent", "kil|kms|ctb|unalive", "myself|my self|tonight|today|now", gap=3),
    crisis("intent", "end", "it", "all|tonight|today|now|for good", gap=2),
    crisis(
        "intent",
        "suicide|dying|death|itsemurha*|itsari*|kuolema|kuolla|kuoleminen",
        "is|on|seems|tuntuu",
        "the only|only|ainoa|ainoo|ainut",
        "option|way|way out|answer|solution|vaihtoehto|keino|ratkaisu|tie|ulospääsy",
        gap=2,
    ),
    crisis("intent", "want|wanna|going|gonna|ready|about", "to", "die|be dead", gap=2),
    crisis("intent", "want|wanna|going|gonna|ready", "die", gap=1),
    crisis("intent", "i'm|im|i", "done", "living|with life|alive|with living", gap=2),
    crisis(
        "intent",
        "don't|dont|do not|no longer",
        "want",
        "to live|live|be alive|to be alive|go on living",
        gap=4,
        negatable=False,
    ),
    crisis(
        "intent",
        "won't|wont|will not|not going to",
        "be",
        "alive|here|around",
        "much longer|for long|anymore|by|after",
        gap=3,
        negatable=False,
    ),
    crisis(
        "intent",
        "tappaa|tapan|tappaisin|tappamaan|tappaminen|hirttää|hirtän|hirttäydyn|hirttäytyä|hukutan",
        SELF_FI,
        gap=3,
    ),
    crisis("intent", INTEND_FI, DIE_FI, gap=3),
    crisis("intent", "haluun|haluan|haluisin|haluaisin|valmis", "kuolla|kuolemaan", gap=2),
    crisis(
        "intent",
        "lopetan|lopettaa|lopettamaan|päätän|päättää|päättämään",
        "kaiken|elämäni|elämän|päiväni|itseni|ittein|tän elämän|tämän elämän",
        gap=3,
    ),
    crisis(
        "intent",
        "en|ei",
        "halua|haluu|jaksa",
        "elää|enää elää|olla olemassa|elää enää",
        gap=3,
        negatable=False,
    ),
    crisis(
        "intent",
        "ei|en",
        "ole|oo",
        "enää|täällä",
        "huomenna|ensi viikolla|kauaa|pitkään|viikon päästä",
        gap=3,
        negatable=False,
    ),
    crisis(
        "intent",
        "huomenna|tomorrow|tonight|tänään|tänä yönä|viikonloppuna",
        "mua|minua|i|i'll|i won't|en|mä",
        "ei|won't|wont|be|enää",
        "enää|oo|ole|alive|gone",
        gap=3,
        negatable=False,
    ),
    # ====================================================================
    # Crisis — C-SSRS 5: plan (a day, a time, a place or a method chosen)
    # ====================================================================
    crisis(
        "plan",
        "plan|plans|planned|suunnitelma*|suunnitelman",
        "and|ja|with|for|on|is",
        "date|time|day|method|place|friday|saturday|sunday|monday|tuesday|wednesday|thursday|päivä*|aika|keino*|paikka*|perjantai*|lauantai*|sunnuntai*|maanantai*|tiistai*|keskiviikko*|torstai*",
        gap=3,
    ),
    crisis(
        "plan",
        "gonna|going|will|i'll|aion|teen|tehdä",
        "do it|sen|it",
        "tonight|today|tomorrow|friday|saturday|sunday|weekend|birthday|tänään|tänä yönä|tänä iltana|illalla|huomenna|perjantaina|lauantaina|sunnuntaina|viikonloppuna|synttäreinä|juhannuksena|jouluna",
        gap=4,
        needs=DYING,
    ),
    weak(
        "plan",
        "place|spot|date|day|time|method|paikka|päivä|päivämäärä|aika|tapa|keino",
        "is|on|has been|oli",
        "chosen|picked|set|decided|sorted|mietitty|valittu|päätetty|sovittu|katsottu|selvillä|tiedossa",
        gap=3,
    ),
    crisis(
        "plan",
        "place|spot|date|day|time|method|paikka|päivä|päivämäärä|aika|tapa|keino",
        "is|on|has been|oli",
        "chosen|picked|set|decided|sorted|mietitty|valittu|päätetty|sovittu|katsottu|selvillä|tiedossa",
        gap=3,
        needs=DYING + "|riittää|enough|synttäreinä|birthday",
    ),
    crisis(
        "plan",
        "decided|päättäny|päättänyt|päätin|päätetty",
        "when|how|where|milloin|miten|missä|mihin|date|day|päivän|päivä",
        gap=4,
        needs=DYING,
    ),
    # ====================================================================
    # Crisis — C-SSRS 3 with a wish to die: a method, known or at hand
    # ====================================================================
    crisis("method_and_wish", SUBSTANCES, STOCKPILED, gap=5),
    crisis("method_and_wish", STOCKPILED, SUBSTANCES, gap=5),
    crisis(
        "method_and_wish",
        "know|knew|tiedän|tiedän tarkalleen|tiedän tasan|tiedän mikä|tiedän paljonko",
        "how much|how many|exactly|enough|dose|lethal|kuinka paljon|paljonko|annos*|tappava*|riittää|riittäisi|tarpeeks|tarpeeksi",
        gap=4,
        unless="patient|patients|potilas*|potilaille|course|kurssi*|exam|tentti*|tenttiin|study|studying|opiskelen",
    ),
    crisis(
        "method_and_wish",
        "lethal|tappava*|tappavan",
        "dose|annos*|amount|määrä*",
        gap=2,
        unless="patient|patients|potilas*|potilaille|course|kurssi*|exam|tentti*|study",
    ),
    # ====================================================================
    # Crisis — C-SSRS 6: preparatory behaviour
    # ====================================================================
    crisis(
        "preparation",
        "gave|give|giving|given|dropped|rehomed|surrendered|vein|viin|vien|annoin|antanu|antanut|annan|lahjoitin|lahjoitan|jaoin|jaan",
        PETS
        + "|guitar|games|console|bike|jewellery|jewelry|belongings|stuff|things|possessions|everything|tavara*|tavarat|kamat|omaisuut*|kitara*|pelikonsoli*|pyörä*|koru*|kaiken",
        "to|away|naapuri*|kaveri*|ystäv*|siskol*|veljel*|pois|friends|neighbour|neighbor|sister|brother|uuteen kotiin|new home|rescue|shelter|eläinsuojel*|löytöeläin*|tarhaan",
        gap=4,
        unless=REHOMING_REASON + "|charity|kirpputori*|kirppis*|kierrätys*|donate|donating",
    ),
    crisis(
        "preparation",
        "find|found|finding|someone|etsi*|etsin|hoitaa|hoitakaa|pitäkää|pidä|ottakaa",
        "new home|home|a home|kodin|koti|uuden kodin",
        "cat|dog|pet|pets|for|kissa*|koira*|lemmik*|kissalle|koiralle",
        gap=4,
        unless=REHOMING_REASON,
    ),
    crisis(
        "preparation",
        "bought|ordered|got|buying|ostin|tilasin|hankin|hankkinut|hankkinu|ostanut|ostanu",
        "rope|noose|köyden|köysi|köyttä|gun|ase|aseen|razor blades|partateri*|charcoal|hiiliä|helium",
        "beam|hook|tree|branch|palkki*|koukku*|kattoon|oksa*|which|where|mihin|missä|tiedän|know|tonight|tänään|for me|itselleni",
        gap=10,
        unless=ORDINARY_USE
        + "|camping|tent|boat|sailing|dog|lead|teltta*|vene*|purjeh*|leiri*|pyykki*|laundry|barbecue|grill*|party|juhla*|balloons|ilmapallo*",
        across_sentences=True,
    ),
    crisis(
        "preparation",
        "who gets|who should get|who can have|can have my|can keep my|kuka saa|kenelle jää|saa pitää mun|saat pitää mun|saa mun|saat mun",
        "games|records|hoodies|clothes|stuff|things|console|guitar|bike|car|passwords|jewellery|"
        + PETS
        + "|pelit|levyt|vaatteet|tavarat|kamat|konsoli*|kitara*|pyörä*|auto*|salasana*|koru*",
        gap=5,
        unless=ORDINARY_PARTING,
    ),
    crisis(
        "preparation",
        "list|lista*|wrote down|kirjoitin|left|jätin",
        "passwords|salasana*|salasanat",
        gap=5,
        unless="work|job|työ*|it support|manager|password manager|salasanaohjelma*",
    ),
    crisis(
        "preparation",
        PETS + "|koiran|kissan",
        "won't be picking|won't collect|not getting|not coming back|en aio hakea|en aio hakee|en hae|en tuu hakee|en tule hakemaan|en tuu hakemaan",
        gap=14,
        across_sentences=True,
    ),
    crisis(
        "preparation",
        "will|testament*|testamentin|testamentti",
        "bills|affairs|sorted|written|wrote|laskut|laskuni|hoidettu|kunnossa|tehty|kirjoitin|valmis",
        gap=8,
    ),
    crisis(
        "preparation",
        "paid|pay|paying|settled|sorted|cleared|maksoin|maksan|hoidin|hoidan|selvitin",
        "debts|debt|bills|everything|all my|velat|velkani|laskut|laskuni|kaiken|kaikki",
        "so|nobody|no one|ettei|jotta|ei kenenkään|kenenkään|kukaan|ennen|before",
        gap=6,
    ),
    crisis(
        "preparation",
        "deleted|deleting|delete|closed|closing|poistin|poistan|poistanut|suljin|suljen",
        "accounts|account|profiles|instagram|facebook|tiktok|snapchat|everything|tilit|tilini|tilejä|profiilit|somet|kaiken",
        gap=4,
        unless="hacked|hakkeroitu|detox|break from|tauko*|tauolle|new phone|uusi puhelin",
    ),
    crisis(
        "preparation",
        "cancelled|canceled|cancelling|canceling|peruin|perun|perunut|irtisanoin|lopetin",
        "after|jälkeen|for next|ensi|everything|kaiken|kaikki|subscriptions|tilaukset|appointments|ajat|vuokrasopimu*|lease",
        gap=5,
        unless=ORDINARY_PARTING,
    ),
    crisis("preparation", "suicide|itsemurha*", "note|letter|viesti*|kirje*", gap=1),
    crisis(
        "preparation",
        "jäähyväiskirje*|hyvästikirje*|jäähyväisviesti*|itsemurhaviesti*|itsemurhakirje*",
        gap=1,
    ),
    crisis(
        "preparation",
        "goodbye|farewell|last",
        "letter|letters|note|notes",
        gap=2,
        unless=ORDINARY_PARTING,
    ),
    crisis(
        "preparation",
        "wrote|writing|written|left|kirjoitin|kirjotin|kirjoittanut|jätin",
        "letter*|note*|kirjee*|kirjeen|kirjeet|kirjeitä|lapun|viestit",
        "family|mum|mom|dad|kids|parents|everyone|sister|brother|perheelle|äidille|isälle|lapsille|vanhemmille|kaikille|siskolle|veljelle|miehelle|vaimolle",
        gap=4,
        unless=ORDINARY_PARTING
        + "|christmas|joulu*|birthday|syntymä*|synttär*|wedding|häät|hää*|thank|kiitos*",
    ),
    crisis(
        "preparation",
        "goodbye|farewell|goodbyes|hyvästi*|jäähyväi*|hyvästel*",
        gap=1,
        unless=ORDINARY_PARTING
        + "|grandma|grandpa|mummo*|vaari*|funeral|hautajai*|kissa|koira|cat|dog|summer|kesä*|weekend|viikonloppu*",
    ),
    crisis(
        "preparation",
        "last|final|viimeinen|viimeisen|viimosen|viimonen|viimenen",
        "message|text|post|viesti|viestin|postaus|kerta|time you|time anyone",
        gap=2,
        unless=ORDINARY_PARTING
        + "|exam|tentti*|shift|vuoro*|year|vuosi|vuoden|season|kausi|episode|jakso*|meeting|palaveri*|session|tapaaminen|tapaamiskerta|kerta ennen|before",
    ),
    crisis(
        "preparation",
        "sorry|forgive|anteeksi|rakastan|love",
        "for everything|kaikesta|everyone|you all|teitä kaikkia|kaikkia|always will|aina",
        "goodbye|bye|hyvästi*|heippa|moikka|for the last|viimeisen|when i'm gone|kun mua ei|kun en",
        gap=8,
        negatable=False,
        unless=ORDINARY_PARTING,
    ),
    crisis(
        "preparation",
        "this is|tää on|tämä on",
        "where it ends|the end|goodbye|nyt tässä|loppu|hyvästi",
        gap=2,
        unless=ORDINARY_PARTING + "|series|sarja*|season|kausi|book|kirja*|game|peli*",
    ),
    crisis("preparation", "where", "it", "ends", gap=1, unless=ORDINARY_PARTING),
    crisis(
        "preparation",
        "don't|dont|not|en|ei",
        "think",
        "i'm|im|i",
        "driving|coming|going|making",
        "back|home|it",
        gap=2,
        negatable=False,
    ),
    # ====================================================================
    # Crisis — C-SSRS 6: recent behaviour (an attempt in the last days or weeks)
    # ====================================================================
    crisis(
        "recent_attempt",
        "tried|attempted|attempt|yritin|yrittänyt|yrittäny",
        "kill|end|suicide|overdose|od|hang|itsemurh*|tappaa|kuolla|lopettaa|päättää|hirttää|itseni|itteni|my life",
        gap=5,
    ),
    crisis(
        "recent_attempt",
        "woke up|heräsin|herätin|found me|löysi mut|löysivät mut|stomach pumped|pumped my stomach|vatsa huuhdeltiin|huuhtelivat",
        "er|icu|hospital|a&e|teholta|teholla|sairaalasta|sairaalassa|päivystyksestä|päivystyksessä|ensiavusta|ensiavussa|kun otin|after taking|pills|pilleri*|lääk*",
        gap=6,
    ),
    crisis(
        "recent_attempt",
        "jumped|overdosed|hung|hyppäsin|hirttäydyin|vedin överit|otin yliannostuksen",
        "days ago|weeks ago|week ago|last week|last night|yesterday|päivää sitten|viikkoa sitten|viikko sitten|viime viikolla|eilen|viime yönä",
        gap=10,
    ),
    crisis(
        "recent_attempt",
        "failed|didn't work|ei onnistunu|ei onnistunut|epäonnistui",
        "attempt|yritys|yritykseni|it|to die|kuolla",
        gap=3,
        negatable=False,
    ),
    # ====================================================================
    # Crisis — acting now (crisis-line triage: substances, a height, a weapon, bleeding)
    # ====================================================================
    crisis("acting_now", SWALLOWED, MANY, SUBSTANCES, gap=5, unless=AS_PRESCRIBED),
    crisis(
        "acting_now",
        SWALLOWED,
        SUBSTANCES,
        MANY,
        gap=4,
        unless=AS_PRESCRIBED,
    ),
    crisis(
        "acting_now",
        "i|i've|ive|i'm|im|just|gonna|took|taken|otin|vedin|vetäsin|mä|oon",
        "overdose*|overdosed|od'd|yliannost*|överit",
        gap=3,
        unless="gym|sali*|salilla|treeni*|sugar|sokeri*|karkki*|kahvi*|coffee|caffeine|kofeiini*",
    ),
    crisis(
        "acting_now",
        SUBSTANCES,
        MANY,
        "heart|dizzy|sleepy|weird|numb|throwing up|vomit|can't feel|alkaa vaikuttaa|vaikuttaa|huimaa|sydän|oksettaa|väsyttää|pyörryttää|sumenee",
        gap=10,
        across_sentences=True,
        unless=AS_PRESCRIBED,
    ),
    crisis(
        "acting_now",
        SUBSTANCES,
        "and|with|ja|plus|+",
        "vodka|wine|whiskey|beer|alcohol|kossu|viina*|viini*|vodka*|alkoholi*|kaljaa",
        "now|just|already|tonight|nyt|just|äsken|jo|tänään|all|kaikki",
        gap=4,
    ),
    crisis(
        "acting_now",
        SUBSTANCES,
        "lined|laid out|counted|ready|in front of me|front of me|next to me|on the table|on the desk|in my hand|pöydällä|edessä|valmiina|vieressä|laskin|laskettu|rivissä|kädessä",
        gap=5,
        unless="packing|packed|pakkaan|pakkasin|dosette|dosetti*|organiser|organizer|pill box|week|weeks|viikoksi|viikon|matka*|trip|travel|prescribed|määrätty*|apteek*|pharmacy",
    ),
    crisis(
        "acting_now",
        HEIGHTS,
        EDGE,
        gap=6,
        unless=AT_A_HEIGHT_FOR_A_REASON,
    ),
    crisis(
        "acting_now",
        EDGE,
        HEIGHTS,
        gap=4,
        unless=AT_A_HEIGHT_FOR_A_REASON + "|kids|lapset|swim|uima*",
    ),
    # On the tracks there is no ordinary reason to be; on a bridge or a roof there often is.
    crisis(
        "acting_now",
        HERE_NOW + "|lying|lie|makaan|makasin",
        "on|at|the",
        TRACKS,
        gap=3,
        unless="train|bus|junassa|bussissa|work|töissä|työmaa*|ratatyö*|maintenance",
    ),
    crisis(
        "acting_now",
        TRACKS,
        HERE_NOW + "|makaan|makasin|odotan|odottelen|waiting",
        gap=3,
        unless="junassa|bussissa|töissä|työmaa*|ratatyö*|work|laiturilla odot*",
    ),
    crisis(
        "acting_now",
        "platform edge|edge of the platform|laiturin reunal*|laiturin reunalla",
        "now|next|fast|train comes|comes through|nyt|seuraava|juna tulee|pikajuna",
        gap=8,
        across_sentences=True,
    ),
    weak("acting_now", HERE_NOW, "on|at|by|top of|on top of|on the", HEIGHTS, gap=3),
    weak("acting_now", HEIGHTS, HERE_NOW, gap=3),
    # Finnish puts the place after the verb, with no preposition ("oon katolla").
    weak("acting_now", HERE_NOW, HEIGHTS, gap=2),
    crisis(
        "acting_now",
        INTEND_EN + "|" + INTEND_FI + "|could|should",
        "jump|jumping|throw myself|step|walk|lie|heittäytyä|heittäydyn|hypätä|hyppään|hyppäisin|kävellä|kävelen",
        "off|from|in front|under|onto|front|alle|eteen|sillalta|katolta|parvekkeelta|ikkunasta|radalle",
        gap=4,
    ),
    crisis(
        "acting_now",
        "hyppä*|hypätä|hyppään|heittäydy*|heittäytyä",
        "junan alle|auton alle|rekan alle|bussin alle|junan eteen|auton eteen|rekan eteen|bussin eteen|sillalta|katolta|parvekkeelta|ikkunasta|raiteille",
        gap=4,
    ),
    crisis(
        "acting_now",
        WEAPONS,
        LOADED,
        gap=5,
        unless=ORDINARY_USE,
    ),
    crisis(
        "acting_now",
        WEAPONS,
        "myself|my wrist*|my throat|my head|my neck|to do it|use it|end|kill|die|itseäni|itteäni|ranteet|ranteita|kurkkuun|päähän|kaulaan|kuolla|lopettaa|päättää",
        gap=5,
        unless=ORDINARY_USE + "|by accident|vahingossa|accident|accidentally",
    ),
    crisis(
        "acting_now",
        "cutting|cut|burning|burned|hurting|hurt|viiltelen|viillän|viiltelin|viilsin|poltin|poltan|satutin|satutan",
        "myself|my arm|my arms|my wrist|my wrists|wrist*|arm|arms|thigh*|legs|itseäni|itteäni|ranteita|ranteet|käsiä|kädet|reisiä",
        "now|right now|tonight|currently|at the moment|nyt|juuri nyt|äsken|tänään|tällä hetkellä",
        gap=3,
    ),
    crisis(
        "acting_now",
        "just|right now|now|currently|tonight|juuri|nyt|äsken|tänään",
        "cut|cutting|burned|burning|hurt|hurting|viiltelin|viilsin|viiltelen|viillän|satutin|satutan|poltin",
        "myself|arm|arms|wrist*|thigh*|itseäni|itteäni|ranteita|ranteet|käsiä|reisiä",
        gap=4,
    ),
    crisis(
        "acting_now",
        "cut|burned|hurt|viiltelin|viilsin|viiltelen|viillän|poltin|satutin",
        "just|juuri|äsken|nyt",
        "myself|my arm|my arms|my wrist*|itseäni|itteäni|ranteita|ranteet|käsiä|reisiä",
        gap=2,
    ),
    crisis(
        "acting_now",
        "raavin|raaputin|raapin|scratched|scratching|tein|teen|made",
        "just|juuri|äsken|nyt|now|right now|auki|open",
        "käsivarret|käsivar*|kädet|ihon|iho|reidet|reiteen|arms|skin|wrists|viilto*|viiltoja|haavo*|cuts",
        gap=3,
    ),
    crisis(
        "acting_now",
        "slit|slashed|slashing|cut open|deep",
        "wrist*|throat|ranne*|ranteet|ranteita|ranteeni",
        gap=3,
    ),
    crisis(
        "acting_now",
        "bleeding|vuotaa|vuotanut",
        "won't stop|wont stop|can't stop|cant stop|a lot|so much|everywhere|verta|ei lakkaa|ei loppu|ei tyrehdy|paljon",
        gap=3,
        negatable=False,
        unless="nose|nenä*|nenästä|period|kuukautis*|menkat|dentist|hammas*|blood test|verikoe*",
    ),
    crisis(
        "acting_now",
        "losing|lost|menetin|menettäny",
        "a lot of|so much|paljon|liikaa",
        "blood|verta",
        gap=2,
    ),
    crisis(
        "acting_now",
        "engine running|exhaust|pakokaasu*|hiilimonoksidi*|carbon monoxide|charcoal|hiiligrilli",
        "garage|car|autossa|tallissa|autotalli*|myself|tent",
        gap=6,
    ),
    # ====================================================================
    # Crisis — harm to others (a credible threat; said as a joke it is not)
    # ====================================================================
    # A threat alone is weak: hyperbole and jokes aimed at people are common and
    # the issue's own hard negatives. With a weapon, a child, or fire, it is crisis.
    weak(
        "harm_to_others",
        "want|wanna|going|gonna|will|i'll|plan|planning|fantasi*",
        HURT_EN + "|shoot",
        PEOPLE,
        gap=4,
    ),
    weak("harm_to_others", HURT_FI, PEOPLE, gap=3),
    weak(
        "harm_to_others",
        "aion|meinaan|haluan|haluun|haluaisin",
        "tappaa|satuttaa|puukottaa|ampua|kuristaa|hakata",
        gap=3,
        unless="aikaa|ajan",
    ),
    crisis(
        "harm_to_others",
        "shake|hit|hurt|smother|satutan|satuttaa|lyön|ravistan|ravistella|tukahdutan|tukehdutan",
        CHILD,
        gap=3,
        unless="afraid|scared|worried|pelkään|pelottaa|huolissani|never|en ikinä",
        joke_cancels=True,
    ),
    weak(
        "harm_to_others",
        "afraid|scared|terrified|pelkään|pelottaa",
        "hurt|hit|shake|satutan|satuttaa|lyön|ravistan",
        CHILD,
        gap=5,
    ),
    crisis(
        "harm_to_others",
        "poltan|sytytän|sytyttää|polttaa|burn|set fire",
        "kämpän|talon|asunnon|ihmisen|house|flat|apartment|place|koulun|school",
        gap=4,
        unless=IF,
        joke_cancels=True,
    ),
    crisis(
        "harm_to_others",
        HURT_EN + "|" + HURT_FI,
        PEOPLE,
        "knife|gun|axe|hammer|bat|veitsi|veitsen|puukko|puukon|ase|aseen|kirves|kirveen|vasara|maila*",
        gap=8,
        unless=ORDINARY_USE,
        joke_cancels=True,
    ),
    crisis(
        "harm_to_others",
        "axe|kirves|kirveen|knife|veitsi|puukko|gun|ase|aseen|hammer|vasara|bat|maila*",
        "husband|wife|miehelle|vaimolle|miestä|vaimoa|him|her|them|kid|lapsel*|partner|kumppani*|neighbour|neighbor|naapuri*|boss|pomo*",
        gap=12,
        unless=ORDINARY_USE
        + "|gave him|gave her|bought him|bought her|ostin hänelle|lahjaksi|gift|present",
        joke_cancels=True,
    ),
    # ====================================================================
    # Elevated — C-SSRS 1: wish to be dead (passive)
    # ====================================================================
    elevated("passive_death_wish", "wish|wished|wishing", DEATH_WISH_EN, gap=5),
    elevated(
        "passive_death_wish",
        "don't|dont|do not|no longer",
        "want",
        "wake|wake up|be here|be around|exist",
        gap=4,
        negatable=False,
    ),
    elevated("passive_death_wish", "better", "off", "dead|without me|gone", gap=2),
    elevated(
        "passive_death_wish",
        "tired|sick",
        "of",
        "living|life|being alive|existing|being here",
        gap=3,
    ),
    elevated(
        "passive_death_wish",
        "no",
        "reason|point",
        "to|in",
        "live|living|go on|going on|be alive",
        gap=3,
        negatable=False,
    ),
    elevated(
        "passive_death_wish",
        "hope|hoping|wish",
        "don't|dont|not|never",
        "make it|wake|survive",
        gap=4,
        negatable=False,
    ),
    elevated(
        "passive_death_wish",
        "my|mun|minun|own",
        "funeral|funerals|hautajais*",
        gap=2,
        unless="planning for|insurance|vakuutu*|grandma|mummo*",
    ),
    elevated("passive_death_wish", "should|should've", "died|been me|be dead|have died", gap=4),
    elevated(
        "passive_death_wish",
        "rather|mieluummin|mielummin|mielumin",
        "die|dead|be dead|kuolla|kuolisin|kuolsin|kuollut",
        gap=2,
    ),
    elevated(
        "passive_death_wish",
        "drift off|slip away|fade away|nukkuisin pois|nukkua pois|nukahtaisin pois|nukahtaa pois",
        gap=1,
    ),
    elevated(
        "passive_death_wish",
        "daydream*|fantasi*|haaveile*|haaveilen|unelmoi*",
        "not existing|dying|death|dead|ei ois|ei olis|kuolla|kuolema*|kuolemast*|disappear*|kadota",
        gap=5,
    ),
    elevated(
        "passive_death_wish",
        "shouldn't|should not|shouldnt",
        "exist|be alive|be here|have been born",
        gap=3,
        negatable=False,
    ),
    elevated(
        "passive_death_wish",
        "death|dying|kuolema|kuolla|kuoleminen",
        "relief|release|helpotu*|helpottais*|helpotus",
        gap=4,
        negatable=False,
    ),
    elevated(
        "passive_death_wish",
        "toivoisin|toivon|kunpa|kunhan|jospa|toivoin",
        "kuollut|kuolisin|kuolis|heräisi|heräis|heräisin|syntynyt|nukahtaisin|ajais*|ajaisi|jäisin",
        gap=5,
    ),
    elevated("passive_death_wish", "hope|wish", "hit|crash|run over|accident|cancer", gap=8),
    elevated(
        "passive_death_wish",
        "nukahtaa|nukkua|nukahdan|fall asleep|sleep",
        "enkä|en|ei|koskaan|never",
        "herätä|heräis*|heräisi|heräisin|herää|wake|wake up",
        gap=4,
        negatable=False,
    ),
    elevated("passive_death_wish", "pitäny|pitänyt|pitäis|pitäisi", "kuolla|kuolla jo", gap=3),
    elevated(
        "passive_death_wish",
        "kuolisin|kuolsin|kuolis|kuolla",
        "mieluummin|mielummin|mielumin|vaikka|huomenna",
        gap=3,
        negatable=False,
    ),
    elevated(
        "passive_death_wish",
        "haittais*|haittaisi|välittäis*|välittäisi|kiinnostais*|kiinnostaisi|care|mind",
        "vaikka|jos|if",
        "tappais*|kuolisin|kuolis*|kuolisi|kuolen|died|die|dead|didn't wake",
        gap=5,
        negatable=False,
    ),
    elevated(
        "passive_death_wish",
        "wouldn't|wouldnt|would not|don't|dont",
        "mind|care",
        "if",
        "i died|i didn't|died|dead|woke|wake",
        gap=4,
        negatable=False,
    ),
    elevated(
        "passive_death_wish",
        "väsynyt|kyllästynyt|kyllästyny|väsyny",
        "elämään|elämiseen|olemaan olemassa|elämää",
        gap=3,
    ),
    elevated(
        "passive_death_wish",
        "ei",
        "pitäis|pitäisi|kuuluis|kuuluisi",
        "olla olemassa|olemassa|elää",
        gap=3,
        negatable=False,
    ),
    elevated(
        "passive_death_wish", "parempi|parempaa", "ilman minua|ilman mua|kuollut|kuolleena", gap=3
    ),
    # ====================================================================
    # Elevated — perceived burdensomeness, nobody would notice
    # ====================================================================
    elevated(
        "burdensomeness", "a|just|only|such a|nothing but|i'm|im|i am", "burden|burdens", gap=3
    ),
    elevated(
        "burdensomeness", "burden", "to|on|for", "everyone|family|my|them|you|others|people", gap=2
    ),
    elevated(
        "burdensomeness",
        "dead weight|waste of space|waste of oxygen|nobody needs me|no one needs me",
        gap=1,
    ),
    elevated(
        "burdensomeness",
        "olen|oon|mä oon|olen vain|oon vaan|oon vaa|mä oon vaan|olisin",
        "taakka*|taakaksi|riesa*|riesaksi|rasite*|rasitteeksi|vaivaksi|kiusaksi|pettymys",
        gap=3,
    ),
    elevated(
        "burdensomeness",
        "better off|easier|happier|helpompaa|helpompi|parempi|paremmin",
        "without me|ilman minua|ilman mua|ilman minuu|ilman minnuu|if i|jos mua|jos mä|jos minua|jos en",
        gap=4,
    ),
    elevated(
        "burdensomeness",
        "nobody|no one|noone|no-one|kukaan|kenenkään|kukaa",
        "notice|care|miss|realise|realize|noticed|cared|missed|huomais*|huomaisi|kaipais*|kaipaisi|välittäis*|välittäisi|välitä|ikävöi*|huomaa",
        gap=4,
        negatable=False,
    ),
    # ====================================================================
    # Elevated — wanting to disappear
    # ====================================================================
    elevated(
        "wish_to_disappear",
        "want|wanna|wants|wish|haluun|haluan|haluaisin|haluisin|toivoisin|kunpa",
        "disappear*|dissapear*|disapear*|vanish|stop existing|not exist|kadota|hävitä|kadota pysyvästi|haihtua|lakata olemasta",
        gap=3,
    ),
    elevated(
        "wish_to_disappear",
        "katoisin|katoaisin|häviäisin|kadota|hävitä|disappear*|dissapear*|vanish",
        "pysyvästi|lopullisesti|ikuisiksi|ikuisesti|kokonaan|forever|for good|permanently|without a trace|jäljettömiin",
        gap=3,
    ),
    elevated(
        "wish_to_disappear",
        "not|stop|quit|lopettaa|lakata",
        "existing|exist|olemasta",
        gap=1,
        negatable=False,
    ),
    elevated(
        "wish_to_disappear", "if i", "was|were|disappeared|vanished", "gone|dead|disappeared", gap=3
    ),
    elevated(
        "wish_to_disappear",
        "haluun|haluan|haluisin|haluaisin",
        "pois täältä maailmasta|pois tästä maailmasta|vaan pois kaikesta|nukkua ikuisesti",
        gap=3,
    ),
    # ====================================================================
    # Elevated — self-harm: urges returning, or recent but not now
    # ====================================================================
    elevated(
        "self_harm_urges",
        "self harm|self harming|self harmed|self harms|selfharm*|self-harm*|itsetuho*|viiltel*|viilto*|viiltä*",
        gap=1,
    ),
    elevated(
        "self_harm_urges",
        "urge|urges|craving|cravings|tempted|want to|wanna|itch",
        "to",
        "cut|hurt myself|burn|harm|bang",
        gap=3,
    ),
    elevated(
        "self_harm_urges",
        "cutting|cut|burning|burned|hurting|hitting",
        "myself|my arm|my arms|my wrists|my thighs|my legs",
        "again|last week|yesterday|lately|recently",
        gap=4,
    ),
    elevated(
        "self_harm_urges",
        "tekis*|tekisi|houkuttais*|houkuttaa|himottaa|mieli tekee",
        "viillellä|viiltää|satuttaa itseä*|satuttaa itteä*|polttaa",
        gap=3,
    ),
    elevated(
        "self_harm_urges",
        "retkahdin|retkahdus*|repsahdin|repsahdus*|retkahtanut|relapse|relapsed|relapsing",
        gap=1,
    ),
    elevated(
        "self_harm_urges",
        "raapi*|raavin|raapin|raaputan|scratch*|picking|burning|hitting|lyön|lyönyt|hakkaan",
        "käsi*|käsiä|ranteit*|reisi*|ihoa|arm|arms|wrist*|skin|legs|thigh*|myself|itseäni|itteäni|päätä seinään|head against",
        gap=4,
    ),
    elevated(
        "self_harm_urges",
        "polttaa|poltan|poltin|polttanut|burning|burned|burnt|tumpata|tumppasin",
        "itteäni|itseäni|itteeni|myself|kättä|käteen|ihoon|skin|arm",
        gap=3,
    ),
    # ====================================================================
    # Elevated — reckless indifference to one's own safety
    # ====================================================================
    elevated(
        "reckless_indifference",
        "don't|dont|do not|didn't|didnt|wouldn't|wouldnt|en|enkä|ei|ihan sama|whatever|who cares",
        "care|mind|välitä|välittäny|välittänyt|välittäis*|haittaa|haittais*|kiinnosta|kiinnostanut|väliä",
        "if|whether|jos|vaikka",
        "crash|hit|die|died|get hurt|something happens|happens to me|killed|kuolen|kuolisin|kuolis|jään|jäisin|ajan|ajaisin|satuttaisin|sattuu|sattuis*|tapahtuu|menisin|menis",
        gap=5,
        negatable=False,
    ),
    elevated(
        "reckless_indifference",
        "ihan sama|whatever|who cares|en välitä|don't care|dont care",
        "jos|if|vaikka",
        "auton alle|hit by|run over|kuolen|die|crash|ojaan|kolari*|jäisin",
        gap=6,
        negatable=False,
    ),
    elevated(
        "reckless_indifference",
        "drove|driving|drive|ajoin|ajan|ajelin|walked|walk|kävelin|kävelen|cross|crossed|ylitin",
        "fast|without looking|eyes closed|on purpose|red light|punaisia päin|silmät kiinni|tahallaan|katsomatta|200|180|160|lujaa|kovaa",
        "didn't care|dont care|don't care|hoping|wanted|en välittäny|en välittänyt|ihan sama|toivoin|toivoen|kunhan",
        gap=8,
        negatable=False,
    ),
    # ====================================================================
    # Elevated — drinking or using to numb, with hopelessness
    # ====================================================================
    elevated(
        "drinking_to_numb",
        "drink|drinking|drank|drunk|booze|wasted|high|using|juon|join|juonut|juonu|ryyppään|ryyppäsin|kännissä|humalassa|vedän|vedin|poltan pilveä",
        "numb|forget|not feel|stop feeling|blank|make it stop|turruttaa|turruttamaan|turtua|unohtaa|unohtaakseni|en tuntis|en tuntisi|ettei tuntis*|ettei tarvii tuntea|tyhjäks",
        gap=6,
        negatable=False,
    ),
    elevated(
        "drinking_to_numb",
        "only way|ainoa tapa|ainut tapa|ainoo tapa",
        "cope|get through|sleep|selvitä|jaksaa|kestää|nukahtaa",
        "drink*|bottle|booze|viina*|juoda|juominen|kalja*|kossu*|viini*",
        gap=6,
    ),
    # ====================================================================
    # Elevated — hopelessness about life itself
    # ====================================================================
    elevated(
        "hopelessness",
        "feel|feeling|i'm|im|i am|so|totally|completely|life is|life's|everything is|it's all|all",
        "hopeless|pointless|worthless|meaningless",
        gap=3,
    ),
    elevated(
        "hopelessness",
        "toivoton*|toivottom*|merkityksetön*|merkityksettöm*|arvoton*|arvottom*",
        gap=1,
        unless="printer|tulostin*|bus|bussi*|app|sovellus*|team|joukkue*|peli*|game",
    ),
    elevated(
        "hopelessness",
        "nothing",
        "will|ever|is going|gonna",
        "better|change|improve",
        gap=4,
        negatable=False,
    ),
    elevated("hopelessness", "never", "get|gets|going|gonna", "better", gap=4, negatable=False),
    elevated(
        "hopelessness",
        "can't|cant|cannot",
        "go on|do this|take it|keep going|cope|handle life|carry on",
        "anymore|any more|much longer",
        gap=4,
        negatable=False,
    ),
    elevated("hopelessness", "can't|cant|cannot", "go", "on", gap=1, negatable=False),
    elevated(
        "hopelessness",
        "no|not any|don't see|dont see|can't see|cant see",
        "future|way out|light",
        gap=3,
        negatable=False,
        unless="tunnel|career|uraa|ura*|job|work|työ*",
    ),
    elevated(
        "hopelessness",
        "what's|whats|what is|mikä|mitä",
        "the point|point|järki|pointti|järkeä",
        "living|of life|elää|elämässä|of anything|of it all|kaikessa|tässä kaikessa|enää",
        gap=3,
        negatable=False,
    ),
    elevated(
        "hopelessness",
        "why",
        "keep going|go on|carry on|bother living|keep living",
        gap=4,
        negatable=False,
    ),
    elevated(
        "hopelessness",
        "no|ei|mitään|yhtään",
        "point|järkeä|pointtia|syytä|tarkoitusta|merkitystä",
        "anymore|any more|enää|living|in life|elää|elämässä|elämällä|jatkaa",
        gap=4,
        negatable=False,
    ),
    elevated(
        "hopelessness",
        "ei",
        "ole|oo",
        "mitään",
        "järkeä|syytä|tarkoitusta|merkitystä|toivoa",
        gap=3,
        negatable=False,
    ),
    elevated(
        "hopelessness",
        "mikään|mikää|koskaan|ikinä",
        "muutu|parane|muuttuu|paranee|helpota|helpotu|muutu paremmaksi",
        gap=4,
        negatable=False,
    ),
    elevated(
        "hopelessness",
        "en|enkä",
        "jaksa|jaksais|kestä|pysty",
        "enää|tätä elämää|elää|tätä kaikkea",
        gap=3,
        negatable=False,
    ),
    elevated(
        "hopelessness",
        "no|ei|mitään|yhtään",
        "hope|toivoa",
        "left|jäljellä|enää|for me|mulle|minulle",
        gap=3,
        negatable=False,
    ),
)

# Figures of speech that sound like risk and are not: their words are removed
# before the rules run ("this traffic is killing me", "kuolen nauruun").
IDIOMS: tuple[tuple[str, ...], ...] = tuple(
    tuple(phrase.split())
    for phrase in (
        "killing me",
        "kills me",
        "kill me now",
        "kill for",
        "to die for",
        "dying to",
        "dying for",
        "i'm dying here",
        "im dying here",
        "dead tired",
        "dead on my feet",
        "die laughing",
        "died laughing",
        "i could die",
        "die of embarrassment",
        "die of shame",
        "died of embarrassment",
        "kuolla häpeästä",
        "kuolen häpeästä",
        "kuolin häpeästä",
        "kuolla myötähäpeästä",
        "kuolen myötähäpeästä",
        "bored to death",
        "scared to death",
        "dying of embarrassment",
        "killing it",
        "killed it",
        "kill time",
        "killing time",
        "over my dead body",
        "drop dead gorgeous",
        "deadline",
        "deadlines",
        "dead battery",
        "phone died",
        "could murder a",
        "murder a pizza",
        "be the death of me",
        "kuolen nauruun",
        "kuolin nauruun",
        "kuolla nauruun",
        "tappaa aikaa",
        "tappaa aika",
        "tapan aikaa",
        "tappoi aikaa",
        "kuollut väsymyksestä",
        "kuolemanväsynyt",
        "ihan kuollut",
        "tappaa minut",
        "tappaa mut",
        "tappaa mua",
        "tappavan tylsä",
        "kuolettavan tylsä",
        "kuolen tylsyyteen",
        "kuolen nälkään",
        "nälkä tappaa",
        "to kill two birds",
        "kill two birds",
    )
)

# Stems found inside Finnish compounds ("ensiapukurssilla", "ehkäisytyössä").
TOPIC_STEMS = (
    "kurssi",
    "koulutu",
    "luent",
    "dokument",
    "dokkari",
    "ehkäisy",
    "tutkimu",
    "artikkeli",
    "oppitun",
    "podcast",
    "sarja",
    "jakso",
    "päähenkilö",
    "hahmo",
    "leffa",
    "elokuv",
    "uutis",
    "kirjoitan",
)

# A risk word in a message about these is talk about the topic, not a risk
# ("a documentary on suicide prevention", "itsemurhien ehkäisy").
TOPIC_WORDS = frozenset(
    [
        "story",
        "stories",
        "character",
        "characters",
        "novel",
        "fiction",
        "poem",
        "play",
        "playwright",
        "lyrics",
        "song",
        "tarina",
        "tarinan",
        "hahmo",
        "hahmon",
        "näytelmä",
        "runo",
        "biisi",
        "leffa",
        "leffan",
        "leffassa",
        "swing",
        "swings",
        "keinu",
        "keinuun",
        "keinua",
        "keinussa",
        "keinulle",
        "climbing",
        "kiipeily",
        "skipping",
        "hyppynaru",
        "boat",
        "sailing",
        "camping",
        "prevention",
        "preventing",
        "documentary",
        "documentaries",
        "awareness",
        "course",
        "training",
        "lecture",
        "podcast",
        "article",
        "research",
        "volunteer",
        "volunteering",
        "campaign",
        "statistics",
        "essay",
        "book",
        "film",
        "series",
        "movie",
        "episode",
        "helpline",
        "news",
        "headline",
        "report",
        "lesson",
        "class",
        "classes",
        "seminar",
        "webinar",
        "thesis",
        "module",
        "curriculum",
        "textbook",
        "show",
        "ehkäisy",
        "ehkäisyn",
        "ehkäisyä",
        "ehkäisemiseen",
        "ehkäisytyö",
        "dokumentti",
        "dokumentin",
        "dokumenttia",
        "dokkari",
        "dokkarin",
        "kurssi",
        "kurssilla",
        "koulutus",
        "koulutuksessa",
        "luento",
        "luennolla",
        "podcastin",
        "artikkeli",
        "artikkelin",
        "tutkimus",
        "tutkimusta",
        "vapaaehtoinen",
        "vapaaehtoisena",
        "vapaaehtoistyö",
        "kampanja",
        "tilasto",
        "tilastot",
        "essee",
        "kirja",
        "elokuva",
        "sarja",
        "jakso",
        "uutinen",
        "uutisissa",
        "uutiset",
        "oppitunti",
        "oppitunnilla",
        "tunnilla",
        "seminaari",
        "gradu",
        "tentti",
        "tenttiin",
        "patient",
        "patients",
        "client",
        "clients",
        "placement",
        "shift",
        "potilas",
        "potilaan",
        "potilaat",
        "potilaita",
        "asiakas",
        "asiakkaan",
        "asiakkaat",
    ]
)

# History told as history: a distant past around the match and nothing recent
# in the message cancels it ("I attempted years ago, now I'm doing well",
# "yritin itsemurhaa 19-vuotiaana. Nyt oon 31"). Patterns over lower-case text.
HISTORY = re.compile(
    r"\b(\w+ )?(years?|yrs?|decades?) ago|\bwhen i was (a |\d)|\bas a (teen|teenager|kid|student)"
    r"|\bin (high school|college|uni|my (teens|twenties|thirties|\d0s))|\bin \d+(th|st|nd|rd) grade"
    r"|\bback (then|in \d{4})|\bused to\b|\blong (time )?ago|\bin the past\b|\bthere was a time"
    r"|\bthat was (in |\d|years|a long)|\bit'?s been (\d+|\w+) years|\bbut not anymore"
    r"|\b(19[5-9]\d|20[01]\d|202[0-4])\b|\bwhen i was \d+"
    r"|\b(vuosia|vuotta|vuos|vuoden) sitten?\b|\bvuotta siitä\b|\bnuorena\b|\bteininä\b"
    r"|\blukiossa\b|\byläasteella\b|\baikoinaan\b|\baikanaan\b|\bkauan sitten|\bluvulla\b"
    r"|\d+-?vuotia\w*|\w+kymppisenä|\bopiskeluaikana|\bsiitä on (jo |nyt )?(\w+ )?(vuo|pitkä)"
    r"|\boli aika(a)? (jolloin|kun)|\boli aikoja|\bmutta ei enää\b|\bolin ennen\b|\bennen (ajattelin|olin|mietin)"
    r"|\bolin \d+\b|\bsiit on (jo |nyt )?(\w+ )?(vuo|pitkä)|\baiemmin\b|\b(freshman|sophomore|junior|senior) year"
    r"|\b(at age|aged|at the age of|i was) \d{1,2}\b|\b\d+ years (sober|clean|later)|\byears later"
)
# ... unless the message says it is happening again: then it is not history.
RECENT = re.compile(
    r"\b(again|lately|recently|coming back|came back|(are|is) back|returning|returned|yesterday"
    r"|last night|last week|this morning|days ago|taas|viime aikoina|jälleen|uudestaan|uudelleen"
    r"|palann\w*|palas\w*|eilen|viime yönä|viime viikolla|tänä aamuna|toissapäivänä|päivää sitten)\b"
)
# Asked and denied. Right after the match: "itsetuhoisia ajatuksia ei ole ollut",
# "self-harm thoughts: none". After a question, or a reported one ("she asked if"):
# a plain no ("suicidal thoughts? no.", "kysyi onko itsetuhoisia ajatuksia ja sanoin et ei").
DENIAL_AFTER = re.compile(r"^\W{0,4}(\w+\W{1,3}){0,2}?(none\b|(ei|en|eikä) (ole|oo|ollu|ollut)\b)")
ASKED = re.compile(
    r"\b(asked|asks|asking|whether|if i('ve| have| had)|kysy\w*|onko|onks|onk|oliko|olisko)\b"
)
QUESTION_THEN_NO = re.compile(r"^[^.!\n]{0,30}\?")
ANSWER_NO = re.compile(
    r"^[^.!\n]{0,40}?\b((i said |sanoin |vastasin )?(et |että |that )?)"
    r"(no|nope|none|never|not really|not at all|ei|en|eikä|ei oo|ei ole)\b(?! one| matter| way| idea)"
)
# Taken back at once: "(not really)", "ei oikeesti", "jk".
RETRACTED = re.compile(
    r"\b(just kidding|jk|j/k|not really|not literally|ei oikeesti|ei oikeasti|läpällä|vitsillä"
    r"|leikki leikkinä|spiritually)\b"
)
# Said laughing: a threat against someone (or something) in jest is no threat.
IN_JEST = re.compile(
    r"(😂|🤣|😅|🙄|🙃|😆|😝|😜|🤪|😭|😤|:d\b|:\)|;\)|\bxd\b|\blol\b|\blmao\b|\bhaha|\bhehe"
    r"|\bkidding\b|(?<!not )\bjoking\b|\bvitsi\b)"
)
CONDITIONAL = re.compile(r"\b(if|unless|jos|ellei|jollei)\b")

NEGATORS = frozenset(
    [
        "haven't",
        "havent",
        "hasn't",
        "didn't",
        "didnt",
        "ain't",
        "not",
        "never",
        "no",
        "don't",
        "dont",
        "doesn't",
        "isn't",
        "aren't",
        "wasn't",
        "won't",
        "wouldn't",
        "cannot",
        "can't",
        "nor",
        "neither",
        "without",
        "en",
        "ei",
        "emme",
        "ette",
        "eivät",
        "älä",
        "älkää",
        "enkä",
        "eikä",
        "ettei",
        "enhän",
        "eihän",
        "ilman",
        "hasnt",
        "aint",
        "doesnt",
        "isnt",
        "arent",
        "wasnt",
        "wont",
        "wouldnt",
        "cant",
        "couldn't",
        "couldnt",
        "shouldn't",
        "shouldnt",
    ]
)
# Clause boundaries: an earlier negation does not reach past these.
CONTRAST = frozenset(
    [
        "but",
        "however",
        "though",
        "although",
        "and",
        "so",
        "because",
        "mutta",
        "vaikka",
        "silti",
        "kuitenkin",
        "ja",
        "joten",
        "koska",
        "että",
        "et",
    ]
)
NEGATION_REACH = 6
# Words that may stand between a negation and what it negates ("I'm not having any
# thoughts of", "en oo ikinä oikeesti ajatellu"); any other word ends its reach.
NEGATION_BRIDGE = frozenset(
    [
        "i",
        "am",
        "i'm",
        "im",
        "be",
        "been",
        "being",
        "going",
        "gonna",
        "to",
        "have",
        "having",
        "had",
        "any",
        "really",
        "ever",
        "feel",
        "feeling",
        "felt",
        "thoughts",
        "thought",
        "of",
        "about",
        "planning",
        "plan",
        "want",
        "wanna",
        "would",
        "will",
        "that",
        "so",
        "actually",
        "currently",
        "at",
        "all",
        "the",
        "a",
        "an",
        "never",
        "seriously",
        "ole",
        "oo",
        "olla",
        "ollut",
        "ollu",
        "mitään",
        "mitää",
        "yhtään",
        "ikinä",
        "koskaan",
        "enää",
        "oikeesti",
        "oikeasti",
        "halua",
        "haluu",
        "aio",
        "aijo",
        "mun",
        "mulla",
        "minulla",
        "ajatellut",
        "ajatellu",
        "ajatuksia",
        "ajatusta",
        "suunnittele",
        "suunnitellut",
        "kyllä",
        "todellakaan",
        "thinkin",
        "tryna",
        "plannin",
        "or",
        "self",
        "harm",
        "tai",
    ]
)
# "I can't stop thinking about killing myself": a negated "stop" or "help" affirms.
NOT_NEGATING = frozenset(["stop", "help", "lopettaa", "lopettamaan", "lakata", "olla"])

# A rule naming the topic counts after one of these ("I feel suicidal after my course").
FIRST_PERSON = frozenset(
    [
        "i",
        "i'm",
        "im",
        "i've",
        "ive",
        "i'd",
        "id",
        "me",
        "my",
        "myself",
        "mä",
        "mää",
        "mie",
        "minä",
        "mun",
        "minun",
        "mulla",
        "mulle",
        "oon",
        "olen",
        "ajattelen",
        "mietin",
        "haluan",
        "haluun",
        "aion",
        "tunnen",
        "tunnun",
    ]
)
FIRST_PERSON_REACH = 3

# Counts that mean "more than anyone takes as prescribed" (``#many``); a hundred or
# more is a strength in milligrams ("burana 400"), not a count.
MANY_MIN, MANY_MAX = 8, 99
NUMBER_WORDS = frozenset(
    [
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
        "dozen",
        "dozens",
        "kahdeksan",
        "yhdeksän",
        "kymmenen",
        "kymmenkunta",
        "viistoista",
        "viisitoista",
        "kaksikymmentä",
        "kakskyt",
        "kolmekymmentä",
        "kolkyt",
        "neljäkymmentä",
        "nelkyt",
        "viisikymmentä",
        "viiskyt",
        "sata",
        "kymmeniä",
    ]
)
