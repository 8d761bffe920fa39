/**
 * English documents for the benchmark, written by a seeded grammar so that every run (and every
 * machine) measures the same text: Markdown reports with headings, paragraphs of three to seven
 * sentences of 6 to 40 words, people, places, organisations, years, numbers, quotes and the odd
 * long sentence — the mix a writer's notes or an analyst's report has, and what the models'
 * tokenizers and windows meet in use.
 */

import { seededRandom as random } from '../test/seededRandom';

const PEOPLE = [
  'Angela Merkel', 'Marie Curie', 'Barack Obama', 'Ada Lovelace', 'Nelson Mandela', 'Grace Hopper', 'Amartya Sen',
  'Wangari Maathai', 'Tim Berners-Lee', 'Frida Kahlo', 'Haruki Murakami', 'Chimamanda Adichie', 'the mayor', 'the director',
];
const PLACES = [
  'Paris', 'Berlin', 'Tokyo', 'Buenos Aires', 'Nairobi', 'Toronto', 'the Rhine valley', 'São Paulo', 'Kraków', 'Reykjavík',
  'the harbour district', 'the old town', 'Lagos', 'Melbourne',
];
const ORGS = [
  'Google', 'UNESCO', 'Siemens', 'Mozilla', 'the World Health Organization', 'the city council', 'the university',
  'the central bank', 'Airbus', 'the Red Cross', 'the national museum', 'a regional cooperative',
];
const SUBJECTS = [
  'the committee', 'local residents', 'the research team', 'engineers', 'the new administration', 'critics', 'the company',
  'visitors', 'the project', 'small businesses', 'the report', 'teachers', 'the orchestra', 'farmers', 'the team',
];
const VERBS = [
  'announced', 'questioned', 'celebrated', 'postponed', 'completed', 'examined', 'funded', 'criticised', 'expanded',
  'described', 'welcomed', 'reviewed', 'rebuilt', 'measured', 'opened', 'rejected', 'supported', 'documented',
];
const OBJECTS = [
  'the bridge across the river', 'a plan to restore the market hall', 'the results of the survey', 'the new railway line',
  'an exhibition of early photographs', 'the budget for the coming year', 'a study of air quality', 'the football season',
  'the harvest festival', 'a proposal for cheaper housing', 'the archive of letters', 'the laboratory experiment',
  'the election results', 'a partnership with schools', 'the quarterly revenue figures', 'the repair of the cathedral roof',
];
const ADVERBIALS = [
  'after months of debate', 'despite the heavy rain', 'with little warning', 'to the surprise of many',
  'as part of a wider programme', 'for the first time in decades', 'in front of a large crowd', 'without public funding',
  'under considerable pressure', 'at a modest cost', 'with great care', 'amid rising prices',
];
const OPINIONS = [
  'It was a wonderful achievement, and most people were happy with the outcome.',
  'Many felt the decision was a terrible mistake that would hurt the poorest families.',
  'The mood was cautious: nobody expected the best, but nobody feared the worst either.',
  'Supporters called it excellent news; opponents said it was bad for the neighbourhood.',
  'Some described the process as awful, slow and confusing.',
  'Others said they loved the new design and hoped it would last.',
];
const CONNECTIVES = ['However,', 'Meanwhile,', 'In the end,', 'According to the minutes,', 'Later that year,', 'By contrast,', 'Still,'];
const TOPICS = [
  'History of the harbour', 'Budget and finance', 'Research notes', 'Sport and recreation', 'Culture', 'Transport',
  'Public health', 'Elections and government', 'Education', 'Environment',
];

export interface BenchDocument {
  name: string;
  words: number;
  text: string;
  /** Questions whose answers (years, names, places) the text holds. */
  questions: string[];
}

export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** A document of about `targetWords` words; the same seed gives the same text. */
export function generateDocument(targetWords: number, seed = 20261121): BenchDocument {
  const next = random(seed + targetWords);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const year = () => 1850 + Math.floor(next() * 175);
  const number = () => Math.floor(next() * 900 + 12).toLocaleString('en-GB');

  const sentence = (): string => {
    const kind = next();
    if (kind < 0.12) return pick(OPINIONS);
    if (kind < 0.3) {
      return `In ${year()}, ${pick(PEOPLE)} ${pick(VERBS)} ${pick(OBJECTS)} in ${pick(PLACES)}, ${pick(ADVERBIALS)}.`;
    }
    if (kind < 0.45) {
      return `${pick(CONNECTIVES)} ${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} ${pick(ADVERBIALS)}.`;
    }
    if (kind < 0.58) {
      return `"We ${pick(VERBS)} ${pick(OBJECTS)} because ${pick(SUBJECTS)} asked us to," said ${pick(PEOPLE)} of ${pick(ORGS)}.`;
    }
    if (kind < 0.7) {
      return `${capitalise(pick(ORGS))} spent ${number()} thousand euros on ${pick(OBJECTS)}, and ${number()} people took part.`;
    }
    if (kind < 0.78) {
      // A long sentence, as legal text and old reports have.
      const clauses = Array.from({ length: 3 + Math.floor(next() * 3) }, () => `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}`);
      return `${capitalise(clauses.join(', while '))}, ${pick(ADVERBIALS)}, which ${pick(PEOPLE)} later ${pick(VERBS)} in ${pick(PLACES)}.`;
    }
    return `${capitalise(pick(SUBJECTS))} ${pick(VERBS)} ${pick(OBJECTS)} near ${pick(PLACES)}.`;
  };

  const parts: string[] = [`# Annual report, ${pick(PLACES)}`];
  let words = countWords(parts[0]);
  let paragraphsInSection = 0;
  while (words < targetWords) {
    if (paragraphsInSection === 0 || (paragraphsInSection >= 4 && next() < 0.3)) {
      const heading = `## ${pick(TOPICS)}`;
      parts.push(heading);
      words += countWords(heading);
      paragraphsInSection = 0;
    }
    const paragraph = Array.from({ length: 3 + Math.floor(next() * 5) }, sentence).join(' ');
    parts.push(paragraph);
    words += countWords(paragraph);
    paragraphsInSection++;
  }
  const text = `${parts.join('\n\n')}\n`;
  return {
    name: `${Math.round(targetWords / 1000)}k words`,
    words: countWords(text),
    text,
    questions: [
      'When was the bridge across the river completed?',
      'Who opened the new railway line?',
      'Where was the exhibition of early photographs?',
    ],
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** One word changed in the middle of the document: what a user's edit does. */
export function editOneWord(text: string, seed = 7): { text: string; at: number } {
  const middle = Math.floor(text.length / 2) + seed;
  const match = /\b(announced|questioned|celebrated|postponed|completed|examined|funded|criticised|expanded)\b/.exec(text.slice(middle));
  if (!match) throw new Error('no word to edit in the second half of the document');
  const at = middle + match.index;
  const replacement = match[1] === 'announced' ? 'reported' : 'announced';
  return { text: text.slice(0, at) + replacement + text.slice(at + match[1].length), at };
}

const REVIEW_OPENINGS = [
  'Great product, I love it.', 'Terrible service and a rude driver.', 'The hotel was wonderful and the staff were kind.',
  'Awful food, we will not come back.', 'It does what it says.', 'Shipping took three weeks and the box was damaged.',
  'Best purchase I have made this year.', 'The battery died after two days.', 'Nice colour, but smaller than it looked.',
  'Five stars, would buy again.', 'The instructions were confusing and a screw was missing.', 'Fine for the price.',
];
const REVIEW_DETAILS = [
  'The {} arrived on time', 'My {} stopped working after a week', 'The {} is easy to clean', 'Customer support replaced the {} quickly',
  'The {} feels cheap', 'Our children use the {} every day', 'I returned the {} for a refund', 'The {} looks exactly like the photos',
];
const REVIEW_THINGS = ['kettle', 'backpack', 'lamp', 'blender', 'phone case', 'tent', 'vacuum cleaner', 'chair', 'headset', 'bicycle pump'];

/**
 * `count` short product reviews (one to three sentences, 5 to 40 words), the corpus an analyst
 * exports from a shop or a survey; the same seed gives the same reviews. Each sentence names the
 * review's order number, so no two sentences are the same: the engine's result cache, which would
 * answer a repeated sentence without the model, measures nothing here.
 */
export function generateReviews(count: number, seed = 20261207): string[] {
  const next = random(seed + count);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  return Array.from({ length: count }, (_, i) => {
    const order = `order ${100_000 + i}`;
    const opening = pick(REVIEW_OPENINGS);
    const sentences = [`${opening.slice(0, -1)} (${order}).`];
    for (let extra = Math.floor(next() * 3); extra > 0; extra--) sentences.push(`${pick(REVIEW_DETAILS).replace('{}', `${pick(REVIEW_THINGS)} from ${order}`)}.`);
    return sentences.join(' ');
  });
}
