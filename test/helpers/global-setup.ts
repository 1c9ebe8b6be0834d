import { prepareTemplate } from './databases.js';

export default async function setup() {
  await prepareTemplate();
}
