import { and, eq, gt, inArray, isNotNull, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { type OrganizationPage, pageWithinOrganization } from '../../db/pages.js';
import { rowsById } from '../../db/rows.js';
import { applications, oidcArtifacts } from '../../db/schema/index.js';

export type ApplicationRow = typeof applications.$inferSelect;
export type NewApplication = typeof applications.$inferInsert;
export type ArtifactRow = typeof oidcArtifacts.$inferSelect;

const applicationRows = rowsById(applications);
export const findApplication = applicationRows.find;
export const insertApplication = applicationRows.insert;
export const updateApplication = applicationRows.update;
export const deleteApplication = applicationRows.remove;

/** Every application of one organization, removed; their ids. */
export const deleteApplicationsOfOrganization = (db: Executor, organizationId: string) =>
  db.delete(applications).where(eq(applications.organizationId, organizationId)).returning({ id: applications.id });

export async function findApplicationByClientId(db: Executor, clientId: string) {
  const [row] = await db.select().from(applications).where(eq(applications.clientId, clientId));
  return row;
}

/** Oldest first; `organizationId`: one organization's only (an organization's administrator), else every one. */
export const listApplications = (db: Executor, page: OrganizationPage) => pageWithinOrganization(db, applications, page);

// The provider's artefacts.

export async function upsertArtifact(db: Executor, values: typeof oidcArtifacts.$inferInsert) {
  await db
    .insert(oidcArtifacts)
    .values(values)
    .onConflictDoUpdate({
      target: [oidcArtifacts.model, oidcArtifacts.id],
      set: {
        payload: values.payload,
        accountId: values.accountId,
        grantId: values.grantId,
        uid: values.uid,
        expiresAt: values.expiresAt,
      },
    });
}

const live = () => or(sql`${oidcArtifacts.expiresAt} IS NULL`, gt(oidcArtifacts.expiresAt, new Date()));

/** The artifact of one model (the provider keeps its sessions, grants, codes and tokens apart by model) that `which` picks. */
const ofModel = (model: string, which: SQL) => and(eq(oidcArtifacts.model, model), which);

/** The one artifact of the model `which` picks, unless it has expired. */
async function findLive(db: Executor, model: string, which: SQL) {
  const [row] = await db
    .select()
    .from(oidcArtifacts)
    .where(and(ofModel(model, which), live()));
  return row;
}

export const findArtifact = (db: Executor, model: string, id: string) => findLive(db, model, eq(oidcArtifacts.id, id));

export const findArtifactByUid = (db: Executor, model: string, uid: string) => findLive(db, model, eq(oidcArtifacts.uid, uid));

/**
 * Marks an artifact consumed unless it already is: one statement, so of two concurrent calls only one finds it
 * unconsumed. `consumed`: whether this call did; `grantId`: the artifact's grant (null when it is gone).
 */
export async function consumeArtifact(db: Executor, model: string, id: string) {
  const [taken] = await db
    .update(oidcArtifacts)
    .set({ consumedAt: new Date() })
    .where(and(ofModel(model, eq(oidcArtifacts.id, id)), isNull(oidcArtifacts.consumedAt)))
    .returning({ grantId: oidcArtifacts.grantId });
  if (taken) return { consumed: true, grantId: taken.grantId };
  const [held] = await db
    .select({ grantId: oidcArtifacts.grantId })
    .from(oidcArtifacts)
    .where(ofModel(model, eq(oidcArtifacts.id, id)));
  return { consumed: false, grantId: held?.grantId ?? null };
}

export async function destroyArtifact(db: Executor, model: string, id: string) {
  await db.delete(oidcArtifacts).where(ofModel(model, eq(oidcArtifacts.id, id)));
}

/** Everything issued under one grant: its codes and tokens. */
export async function destroyGrantArtifacts(db: Executor, grantId: string) {
  await db.delete(oidcArtifacts).where(eq(oidcArtifacts.grantId, grantId));
}

/** A grant revoked: the grant itself and everything issued under it, in one statement. */
export async function revokeGrant(db: Executor, grantId: string) {
  await db.delete(oidcArtifacts).where(or(eq(oidcArtifacts.grantId, grantId), ofModel('Grant', eq(oidcArtifacts.id, grantId))));
}

/**
 * Every grant an application holds, whoever gave it, and everything issued under them, in one statement: once a scope
 * is taken from the application, nothing won with it may release it any longer.
 */
export async function revokeGrantsOfClient(db: Executor, clientId: string) {
  const ofClient = ofModel('Grant', sql`${oidcArtifacts.payload}->>'clientId' = ${clientId}`);
  const grants = db.select({ id: oidcArtifacts.id }).from(oidcArtifacts).where(ofClient);
  await db.delete(oidcArtifacts).where(or(inArray(oidcArtifacts.grantId, grants), ofClient));
}

/** Every session, grant and token of one person: when they are suspended, deleted or sign out everywhere. */
export async function destroyAccountArtifacts(db: Executor, accountId: string) {
  const grants = db.select({ id: oidcArtifacts.grantId }).from(oidcArtifacts).where(eq(oidcArtifacts.accountId, accountId));
  const deleted = await db
    .delete(oidcArtifacts)
    .where(or(eq(oidcArtifacts.accountId, accountId), and(isNotNull(oidcArtifacts.grantId), inArray(oidcArtifacts.grantId, grants))))
    .returning({ model: oidcArtifacts.model });
  return deleted.length;
}

/** A person's grants (connected apps), newest first. */
export const listAccountGrants = (db: Executor, accountId: string) =>
  db
    .select()
    .from(oidcArtifacts)
    .where(and(eq(oidcArtifacts.model, 'Grant'), eq(oidcArtifacts.accountId, accountId), live()))
    .orderBy(sql`${oidcArtifacts.createdAt} DESC`);

/** The expiry job: rows past their lifetime, a bounded batch at a time. */
export async function deleteExpiredArtifacts(db: Executor, batch: number) {
  const expired = db
    .select({ model: oidcArtifacts.model, id: oidcArtifacts.id })
    .from(oidcArtifacts)
    .where(lte(oidcArtifacts.expiresAt, new Date()))
    .limit(batch);
  const deleted = await db
    .delete(oidcArtifacts)
    .where(sql`(${oidcArtifacts.model}, ${oidcArtifacts.id}) IN (${expired})`)
    .returning({ id: oidcArtifacts.id });
  return deleted.length;
}
