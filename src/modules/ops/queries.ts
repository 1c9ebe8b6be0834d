/** The user figures the metrics show: users and access answer them for their own tables (filled at wiring). */
export interface UserFigures {
  total: number;
  active: number;
  recentSignups: number;
  byRole: { role: string; count: number }[];
}
