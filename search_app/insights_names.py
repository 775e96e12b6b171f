"""Word lists for the scrubber (`insights_scrub`): titles, name particles, common names.

The lists catch names that no pattern can see, such as a first name typed in lower case
(*jan heeft schulden*). They are not meant to be complete: capitalised words that the
knowledge base does not use as ordinary words are removed anyway. First names are the
most given names in the Netherlands over the last decades, including the names most
given in families of Moroccan, Turkish, Surinamese and Antillean descent; surnames are
the most frequent Dutch surnames (Meertens Instituut's lists give the same top).
All entries are lower case without accents (the scrubber folds words the same way).
"""
from __future__ import annotations

#: Words that put a name after them: *mevrouw De Vries*, *dhr. Jansen*, *fam. Öztürk*.
TITLES = frozenset("""
mevrouw mevr mw mvr mevrouwtje meneer mnr dhr heer mr dr drs ir ing prof fam familie
juffrouw juf mejuffrouw mej zuster
""".split())

#: Particles inside surnames (*van der*, *de*, *ter*, *El*); they join name parts.
PARTICLES = frozenset("""
van de der den het t ter ten te in op la le du del della di da dos el al ben bin ibn abu von
zu vd v d
""".split())

FIRST_NAMES = frozenset("""
aad aafke aaliyah aart abdel abdelkader abdellah abdelhak abdul abdullah abel abraham adam
adil adnan adriaan adrie adrienne agnes ahmed ahmet aicha aisha aiden alain albert alexander
alexandra ali alice alicia alina alisha amal amber amelia amina amir amira amy ana andre
andrea andreas angela angelique anita anja anke ann anna anne anneke annelies annemarie
annemieke anouk anton antoon ard arie arjan arjen arnold aron arthur astrid ayoub aysel ayse
bart bas bastiaan bea beatrix ben benjamin bernard bert bianca bilal bob boris bouchra bram
brenda bryan burak carla carlijn carmen caroline cas casper catharina cees charlotte chantal
chris christiaan christian christina cindy claudia coby cor cora cornelis corrie daan dani
daniel daniella danny dave david debby dennis desiree diana dick diederik dina dirk djamila
dominique donna dora dorien dries dylan edith eduard eefje eelco els elif elise elisabeth ellen
elly elma emine emily emma emre enzo eric erik esma esra esther eva evelien evi fabian fadoua
fatima fatma fatih femke fenna ferdi finn fleur floor floris frank frans freek frits gea geert
gerard gerda gerrit gert gijs gerrie gonny greet greetje guus hamza hanna hannah hanneke hans
harm harry hasan hassan hatice hayat hein hendrik henk henny herman hetty hilda hilde houda
hugo huib hussein ibrahim ilse imane imke ina ineke inge ingrid irene iris ismail ivo jaap jacob
jacqueline jamal jan janine janneke jannes jans jasmijn jasper jayden jeanette jelle jennifer
jeroen jesse jessica jet jetske jim joanna jochem joep johan johanna johannes jolanda jonas
joost joris jos jose josephine joyce judith julia julian juliette justin kaoutar karel karim
karin kees kemal kevin khadija kim klaas koen kyra laila lars laura lauren lea lieke lien lies
lieve lina linda lisa lisanne liselotte loes lois lotte louise luca lucas lucia luuk maaike
maarten madelief mandy manon marc marcel marco margot margreet maria marian marianne marieke
marijke marina mario marius marjan marjolein mark marloes marry martijn martin martine mary
maryam mats matthijs maud max meryem mehmet melissa merel mette michael michel michelle mila
milan mina mirjam mohamed mohammed mohammad monique mustafa myrthe nadia nadine naima nathalie
nick nicole niels nienke noah noor nora nordin nouri nina ouassima olga olivia omar onno oscar
otto ozan patricia patrick paul paula peter petra pieter pim priscilla quinten rachid rachida
rafael ralph ramon rania ravi rebecca redouan remco renate rene richard rik rina rita rob robert
robin rochelle rodney roel rogier romy ron ronald roos rosa ruben rudi rutger ruud sabine sabrina
sam samira samuel sander sandra sanne sara sarah saskia selma sem senna sevda shirley siham
silvia simon simone sjaak sjoerd soufiane sofia sophie stan stefan stella stephanie steven
sterre suzanne sven tamara tanja teun theo thijs thomas tim timo tineke tjeerd tom ton toon
truus tygo valerie vera victor vincent wendy wessel wilco wilhelmina willem willemijn willy
wim wouter yara yasmina yasmine yassine yousef youssef yusuf yvonne zakaria zeynep zoe
""".split())

#: Surnames, one word each; multi-word surnames are their last word after particles
#: (*van den Berg* → *berg*, matched with the particles in front).
SURNAMES = frozenset("""
jong jansen vries berg dijk bakker janssen visser smit meijer meyer boer mulder groot bos vos
peters hendriks leeuwen dekker brouwer wit dijkstra smits graaf meer linden kok jacobs haan
vermeulen heuvel veen broek bruijn bruin heijden schouten beek willems vliet ven hoekstra maas
verhoeven koster prins blom huisman peeters kuipers veenstra kramer kuiper wijk postma bosch
vermeer hermans timmermans wolters gerritsen boer molenaar koning driel vissers hoek sanders
bergen verbeek kamp kok jonker wouters martens roos evers schipper dam hoogendoorn bosman
koops vink zwart drost mol aalbers ouwehand geerts kamphuis scholten smeets wijngaarden bulut
yilmaz kaya demir sahin celik yildiz ozturk aydin arslan dogan amrani idrissi bouzid haddou
ouali tahiri alaoui benali bennani chaibi elmoussaoui boukhari azzouzi
""".split())

#: First names that are also ordinary Dutch words: matched only when capitalised.
ALSO_WORDS = frozenset("""
roos iris hoop mei juni april bas jet lieve lies fleur ben wil ton toon max frans merel jasmijn
madelief amber els rosa kim
""".split())
