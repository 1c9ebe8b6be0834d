import { createHarness, type Harness } from './app.js';
import { createOrganization, loginAs } from './auth.js';

type Session = Awaited<ReturnType<typeof loginAs>>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Two organizations of the `learning` preset: in A an instructor and two learners, in B a learner and an
 * instructor; a cross-tenant super-admin. `as(session)` sends requests as one of them.
 */
export async function createSchool(config: Record<string, string | undefined> = {}) {
  const h: Harness = await createHarness({ preset: 'learning', config: { AUTH_RATE_LIMIT_PER_MINUTE: '100000', ...config } });
  const root = await loginAs(h, { roles: ['SUPER_ADMIN'] });
  const organization = (name: string) => createOrganization(h, root, name);
  const orgA = await organization('Acme Learning');
  const orgB = await organization('Béta Académie');
  const school = {
    h,
    orgA,
    orgB,
    root,
    instructor: await loginAs(h, { roles: ['INSTRUCTOR'], organizationId: orgA }),
    learner: await loginAs(h, { roles: ['LEARNER'], organizationId: orgA }),
    classmate: await loginAs(h, { roles: ['LEARNER'], organizationId: orgA }),
    outsider: await loginAs(h, { roles: ['LEARNER'], organizationId: orgB }),
    instructorB: await loginAs(h, { roles: ['INSTRUCTOR'], organizationId: orgB }),
    as: (session: Session, headers: Record<string, string> = {}) => ({
      send: (method: Method, url: string, payload?: object) =>
        h.app.inject({ method, url, headers: { ...session.headers, ...headers }, ...(payload ? { payload } : {}) }),
    }),
    close: () => h.close(),
  };
  return school;
}

export type School = Awaited<ReturnType<typeof createSchool>>;

/** A multipart body carrying `file` as the avatar upload's field "file". */
export function avatarForm(file: Buffer) {
  const boundary = `----tessera${Date.now()}`;
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="me.png"\r\nContent-Type: image/png\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
