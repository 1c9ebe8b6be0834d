/**
 * The API's 409 SLUG_ALREADY_EXISTS says "a record with this slug"; the console names the slug and the field
 * that changes it. `slug`: what the form sent, empty when the API made it from the name.
 */
export function slugConflictInConsoleWords(slug: string) {
  return (problem: { code?: string }): never => {
    if (problem.code !== 'SLUG_ALREADY_EXISTS') throw problem;
    if (!slug) throw 'Another organization already has the slug made from this name: type a slug of its own in Slug.';
    throw `Another organization already has the slug “${slug}”: choose another slug.`;
  };
}
