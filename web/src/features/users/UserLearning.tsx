import { useQuery, useQueryClient } from '@tanstack/react-query';
import { patchUserGoalBody, postUserGoalsBody, postUserSkillVerifyBody } from '@tessera/client';
import { api, must } from '../../app/client.js';
import { Allowed } from '../../app/permissions.js';
import { FormDialog } from '../../ui/ConfirmDialog.js';
import { useFieldProblems } from '../../ui/FieldProblems.js';
import { day, Empty, ErrorNote, LiveStatus } from '../../ui/parts.js';
import { choicesOf } from '../../ui/validation.js';

const loadSkills = (id: string) => must(api.GET('/users/{id}/skills', { params: { path: { id }, query: { limit: 100 } } }));
const loadGoals = (id: string) => must(api.GET('/users/{id}/goals', { params: { path: { id }, query: { limit: 100 } } }));
type Skill = Awaited<ReturnType<typeof loadSkills>>['data'][number];
type Goal = Awaited<ReturnType<typeof loadGoals>>['data'][number];

/** A user's learning record: statistics, skills (verify, withdraw a verification), goals (add, edit). */
export function UserLearning({ id }: { id: string }) {
  const path = { params: { path: { id } } };
  const stats = useQuery({ queryKey: ['learning-stats', id], queryFn: () => must(api.GET('/users/{id}/stats', path)) });
  const skills = useQuery({ queryKey: ['skills', id], queryFn: () => loadSkills(id) });
  const goals = useQuery({ queryKey: ['goals', id], queryFn: () => loadGoals(id) });
  const s = stats.data?.stats;
  return (
    <div className="stack">
      <ErrorNote error={stats.error ?? skills.error ?? goals.error} />
      {s && (
        <dl className="figures">
          <div>
            <dt>Courses enrolled</dt>
            <dd>{s.totalCoursesEnrolled}</dd>
          </div>
          <div>
            <dt>Completed</dt>
            <dd>{s.coursesCompleted}</dd>
          </div>
          <div>
            <dt>Learning time (min)</dt>
            <dd>{s.totalLearningTime}</dd>
          </div>
        </dl>
      )}
      <h2>Skills</h2>
      {skills.data?.data.length ? (
        <ul className="list" aria-label="Skills">
          {skills.data.data.map((skill) => (
            <SkillRow key={skill.id} userId={id} skill={skill} />
          ))}
        </ul>
      ) : (
        skills.data && <Empty>No skills recorded.</Empty>
      )}
      <div className="page-head">
        <h2>Goals</h2>
        <Allowed permission="learning:manage">
          <GoalDialog userId={id} />
        </Allowed>
      </div>
      {goals.data && <LiveStatus>{`${goals.data.data.length} ${goals.data.data.length === 1 ? 'goal' : 'goals'}`}</LiveStatus>}
      {goals.data?.data.length ? (
        <ul className="list" aria-label="Goals">
          {goals.data.data.map((goal) => (
            <li key={goal.id} className="row-with-action">
              <span>
                <strong>{goal.title}</strong> · {goal.status} · {goal.priority} · {Math.round(goal.progressPercentage)} % · due{' '}
                {day(goal.targetDate)}
              </span>
              <Allowed permission="learning:manage">
                <GoalDialog userId={id} goal={goal} />
              </Allowed>
            </li>
          ))}
        </ul>
      ) : (
        goals.data && <Empty>No goals.</Empty>
      )}
    </div>
  );
}

const useLearningRefresh = (userId: string) => {
  const queryClient = useQueryClient();
  return (key: 'skills' | 'goals') => queryClient.invalidateQueries({ queryKey: [key, userId] });
};

/** One skill with its verification: verify it (with optional evidence), or withdraw the verification. */
function SkillRow({ userId, skill }: { userId: string; skill: Skill }) {
  const refresh = useLearningRefresh(userId);
  const path = { params: { path: { id: userId, skillId: skill.id } } };
  const fields = useFieldProblems(postUserSkillVerifyBody, (form) => {
    const text = (name: string) => String(form.get(name) ?? '').trim();
    return {
      ...(text('evidenceType') ? { evidenceType: text('evidenceType') } : {}),
      ...(text('evidenceUrl') ? { evidenceUrl: text('evidenceUrl') } : {}),
    };
  });
  return (
    <li className="row-with-action">
      <span>
        <strong>{skill.skillName}</strong> · {skill.skillCategory} · {skill.proficiencyLevel} ·{' '}
        {skill.verified ? `verified ${day(skill.verifiedAt)}${skill.evidenceType ? ` (${skill.evidenceType})` : ''}` : 'not verified'}
      </span>
      <Allowed permission="learning:manage">
        {skill.verified ? (
          <button
            type="button"
            aria-label={`Withdraw verification of ${skill.skillName}`}
            onClick={async () => {
              await must(api.DELETE('/users/{id}/skills/{skillId}/verify', path));
              await refresh('skills');
            }}
          >
            Withdraw verification
          </button>
        ) : (
          <FormDialog
            trigger={
              <button type="button" aria-label={`Verify ${skill.skillName}`}>
                Verify
              </button>
            }
            title={`Verify ${skill.skillName}`}
            submitLabel="Verify skill"
            onSubmit={async (form) => {
              await must(api.POST('/users/{id}/skills/{skillId}/verify', { ...path, body: fields.checked(form) }));
              await refresh('skills');
            }}
          >
            <div className="stack" {...fields.handlers}>
              <label>
                Evidence (optional: certificate, assessment, project …)
                <input name="evidenceType" autoComplete="off" {...fields.describe('evidenceType')} />
                {fields.problem('evidenceType')}
              </label>
              <label>
                Evidence URL (optional)
                <input name="evidenceUrl" type="url" autoComplete="off" {...fields.describe('evidenceUrl')} />
                {fields.problem('evidenceUrl')}
              </label>
            </div>
          </FormDialog>
        )}
      </Allowed>
    </li>
  );
}

/** The body of a goal's form; optional fields left empty are sent as none (null). */
function goalBodyOf(form: FormData, editing: boolean) {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  return {
    title: text('title'),
    goalType: text('goalType') as Goal['goalType'],
    priority: text('priority') as Goal['priority'],
    targetDate: text('targetDate'),
    targetValue: text('targetValue') ? Number(text('targetValue')) : null,
    unit: text('unit') || null,
    description: text('description') || null,
    ...(editing ? { status: text('status') as Goal['status'] } : {}),
  };
}

/** Adds a goal, or edits one (with its status). */
function GoalDialog({ userId, goal }: { userId: string; goal?: Goal }) {
  const refresh = useLearningRefresh(userId);
  const schema = goal ? patchUserGoalBody : postUserGoalsBody;
  const fields = useFieldProblems(schema, (form) => goalBodyOf(form, Boolean(goal)));
  const select = (name: 'goalType' | 'priority' | 'status', label: string, current?: string) => (
    <label>
      {label}
      <select autoComplete="off" name={name} defaultValue={current} {...fields.describe(name)}>
        {choicesOf(patchUserGoalBody.properties[name]).map((choice) => (
          <option key={choice}>{choice}</option>
        ))}
      </select>
    </label>
  );
  return (
    <FormDialog
      trigger={
        goal ? (
          <button type="button" aria-label={`Edit goal ${goal.title}`}>
            Edit
          </button>
        ) : (
          <button type="button">Add goal</button>
        )
      }
      title={goal ? `Edit goal ${goal.title}` : 'Add a goal'}
      submitLabel={goal ? 'Save goal' : 'Add goal'}
      onSubmit={async (form) => {
        const body = fields.checked(form);
        if (goal) await must(api.PATCH('/users/{id}/goals/{goalId}', { params: { path: { id: userId, goalId: goal.id } }, body }));
        else await must(api.POST('/users/{id}/goals', { params: { path: { id: userId } }, body }));
        await refresh('goals');
      }}
    >
      <div className="stack" {...fields.handlers}>
        <label>
          Title
          <input name="title" required autoComplete="off" defaultValue={goal?.title} {...fields.describe('title')} />
          {fields.problem('title')}
        </label>
        {select('goalType', 'Kind', goal?.goalType)}
        {select('priority', 'Priority', goal?.priority ?? 'MEDIUM')}
        {goal && select('status', 'Status', goal.status)}
        <label>
          Target value (optional)
          <input
            name="targetValue"
            type="number"
            step="any"
            autoComplete="off"
            defaultValue={goal?.targetValue ?? ''}
            {...fields.describe('targetValue')}
          />
          {fields.problem('targetValue')}
        </label>
        <label>
          Unit (optional: hours, courses, points …)
          <input name="unit" autoComplete="off" defaultValue={goal?.unit ?? ''} {...fields.describe('unit')} />
          {fields.problem('unit')}
        </label>
        <label>
          Target date
          <input
            name="targetDate"
            type="date"
            required
            autoComplete="off"
            defaultValue={goal?.targetDate}
            {...fields.describe('targetDate')}
          />
          {fields.problem('targetDate')}
        </label>
        <label>
          Description (optional)
          <textarea
            name="description"
            rows={2}
            autoComplete="off"
            defaultValue={goal?.description ?? ''}
            {...fields.describe('description')}
          />
          {fields.problem('description')}
        </label>
      </div>
    </FormDialog>
  );
}
