/** The fields a single `name` stands for: the first word is the first name, the rest the last. */
interface NameInput {
  name?: string;
  firstName?: string;
  lastName?: string;
}

/**
 * A body that may carry `name` instead of (or beside) `firstName` and `lastName`: the same body without it, its
 * words put where no name was given separately. A body without `name` comes back as it was, so an update names
 * only the fields it changes.
 */
export function withNameSplit<T extends NameInput>(body: T): Omit<T, 'name'> & Pick<NameInput, 'firstName' | 'lastName'> {
  const { name, ...rest } = body;
  if (name === undefined) return rest;
  const [first = '', ...others] = name.trim().split(/\s+/);
  return { ...rest, firstName: rest.firstName ?? first, lastName: rest.lastName ?? others.join(' ') };
}
