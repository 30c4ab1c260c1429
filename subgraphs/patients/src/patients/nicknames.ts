/**
 * Given names that are one name: a formal name and the nicknames and short forms it is known by
 * (Jon ~ Jonathan, Peggy ~ Margaret). Source: written for HealthSync, by hand, from common
 * English-language diminutives (no list was copied); each group can be checked against the
 * entries of a dictionary of given names (e.g. Hanks, Hardcastle and Hodges, *A Dictionary of
 * First Names*, Oxford University Press, or Wiktionary's English given names). English only, as the clinic's records are: a name of another
 * language is compared by spelling and sound only. Names are folded (lower case, no accents) as
 * `patients.search_fold` folds them; a name may be in more than one group (Al: Albert, Alfred,
 * Alan…), and two names match when some group holds both.
 */
const GROUPS: string[][] = [
  ['abigail', 'abby', 'abbie', 'gail'],
  ['albert', 'al', 'bert', 'bertie'],
  ['alfred', 'al', 'alf', 'alfie', 'fred', 'freddie'],
  ['alan', 'allan', 'allen', 'al'],
  ['alexander', 'alex', 'alec', 'sandy', 'xander', 'lex'],
  ['alexandra', 'alex', 'alexa', 'sandra', 'sandy', 'lexi'],
  ['andrew', 'andy', 'drew'],
  ['anthony', 'tony', 'ant'],
  ['arthur', 'art', 'artie'],
  ['barbara', 'barb', 'barbie', 'babs'],
  ['benjamin', 'ben', 'benny', 'benji'],
  ['bernard', 'bernie', 'barney'],
  ['catherine', 'katherine', 'kathryn', 'cathy', 'kathy', 'kate', 'katie', 'kat', 'kitty', 'cat'],
  ['charles', 'charlie', 'chuck', 'chas', 'chip'],
  ['charlotte', 'charlie', 'lottie', 'lotte'],
  ['christina', 'christine', 'chris', 'chrissy', 'tina', 'kristina', 'kristine'],
  ['christopher', 'chris', 'kit', 'topher'],
  ['cynthia', 'cindy'],
  ['daniel', 'dan', 'danny'],
  ['david', 'dave', 'davey'],
  ['deborah', 'debra', 'debbie', 'deb'],
  ['donald', 'don', 'donnie'],
  ['dorothy', 'dot', 'dottie', 'dolly'],
  ['douglas', 'doug'],
  ['edward', 'ed', 'eddie', 'ted', 'teddy', 'ned'],
  ['edwin', 'ed', 'eddie'],
  ['eleanor', 'ellie', 'nell', 'nellie', 'elle'],
  ['elizabeth', 'liz', 'lizzie', 'beth', 'betty', 'betsy', 'eliza', 'libby', 'liza', 'bess', 'elsie'],
  ['emily', 'em', 'emmy', 'millie'],
  ['eugene', 'gene'],
  ['frances', 'fran', 'frannie', 'fanny'],
  ['francis', 'frank', 'frankie'],
  ['frederick', 'fred', 'freddie', 'freddy', 'rick'],
  ['gabriel', 'gabe'],
  ['gerald', 'gerry', 'jerry'],
  ['gregory', 'greg'],
  ['harold', 'harry', 'hal'],
  ['henry', 'harry', 'hank', 'hal'],
  ['jacob', 'jake', 'jakob'],
  ['james', 'jim', 'jimmy', 'jamie', 'jimbo'],
  ['janet', 'jan', 'jenny'],
  ['jennifer', 'jen', 'jenny', 'jenn'],
  ['jessica', 'jess', 'jessie'],
  ['john', 'jack', 'johnny', 'jon'],
  ['jonathan', 'jon', 'jonny', 'johnny', 'nathan', 'jonathon'],
  ['joseph', 'joe', 'joey', 'jo'],
  ['josephine', 'jo', 'josie', 'jojo'],
  ['joshua', 'josh'],
  ['judith', 'judy', 'jude'],
  ['katelyn', 'kate', 'katie', 'kaitlyn', 'caitlin'],
  ['kenneth', 'ken', 'kenny'],
  ['lawrence', 'laurence', 'larry', 'laurie'],
  ['leonard', 'leo', 'len', 'lenny'],
  ['louis', 'lou', 'louie'],
  ['margaret', 'maggie', 'meg', 'peggy', 'peg', 'marge', 'margie', 'greta', 'madge', 'daisy'],
  ['matthew', 'matt', 'matty'],
  ['michael', 'mike', 'mikey', 'mick', 'mickey'],
  ['nathaniel', 'nathan', 'nate', 'nat'],
  ['nicholas', 'nick', 'nicky', 'nico'],
  ['pamela', 'pam'],
  ['patricia', 'pat', 'patty', 'patsy', 'trish', 'tricia'],
  ['patrick', 'pat', 'paddy', 'rick'],
  ['peter', 'pete'],
  ['philip', 'phillip', 'phil', 'pip'],
  ['rebecca', 'becky', 'becca', 'bex'],
  ['richard', 'rick', 'ricky', 'rich', 'richie', 'dick'],
  ['robert', 'rob', 'robbie', 'bob', 'bobby', 'bert', 'robin'],
  ['ronald', 'ron', 'ronnie'],
  ['samantha', 'sam', 'sammy'],
  ['samuel', 'sam', 'sammy'],
  ['sarah', 'sara', 'sally', 'sadie'],
  ['stephen', 'steven', 'steve', 'stevie'],
  ['stephanie', 'steph', 'stevie'],
  ['susan', 'sue', 'susie', 'suzy'],
  ['suzanne', 'sue', 'susie', 'suzy'],
  ['theodore', 'theo', 'ted', 'teddy'],
  ['thomas', 'tom', 'tommy'],
  ['timothy', 'tim', 'timmy'],
  ['victoria', 'vicky', 'vicki', 'tori'],
  ['vincent', 'vince', 'vinny'],
  ['walter', 'walt', 'wally'],
  ['william', 'will', 'bill', 'billy', 'willy', 'liam'],
  ['zachary', 'zach', 'zack'],
];

/** For each name, the groups it is in (by index). */
const GROUPS_OF = new Map<string, number[]>();
GROUPS.forEach((group, index) => {
  for (const name of group) GROUPS_OF.set(name, [...(GROUPS_OF.get(name) ?? []), index]);
});

/** True when `a` and `b` (folded first given names) differ and one is a nickname or short form of the other. */
export function areNicknames(a: string, b: string): boolean {
  if (a === b) return false;
  const groups = GROUPS_OF.get(a);
  return !!groups && (GROUPS_OF.get(b) ?? []).some((group) => groups.includes(group));
}

/** The names `name` (a folded first given name) is a nickname or the formal form of. */
export function nicknamesOf(name: string): string[] {
  const groups = GROUPS_OF.get(name) ?? [];
  return [...new Set(groups.flatMap((group) => GROUPS[group]!))].filter((other) => other !== name);
}

/** Every name of the table (the evaluation draws its nicknames from it). */
export function nicknameGroups(): readonly (readonly string[])[] {
  return GROUPS;
}
