import type { ComponentType, LazyExoticComponent } from 'react';

/**
 * One area of the console: its path under `#/`, its place in the navigation and the permission that shows
 * it. Each feature declares itself in `features/<area>/area.ts`; this file finds them all, so an area
 * (applications, webhooks) is added by adding its folder, nothing else. Pages load lazily.
 */
export interface Area {
  path: string;
  label: string;
  /** Navigation order; areas without one are reached by link only. */
  order?: number;
  /** Any of these shows the area. */
  permissions: string[];
  page: LazyExoticComponent<ComponentType<{ param?: string }>>;
}

const modules = import.meta.glob<{ area: Area | Area[] }>('../features/*/area.ts', { eager: true });
export const areas: Area[] = Object.values(modules)
  .flatMap((module) => module.area)
  .sort((a, b) => (a.order ?? 1000) - (b.order ?? 1000));

/** What anyone with one of these may do in the console; a person holding none sees "for administrators". */
export const adminPermissions = new Set(areas.flatMap((area) => area.permissions));
