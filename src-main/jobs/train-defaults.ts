// The parameters a job would train one client with when the caller sets none: the plain defaults
// with what the dataset chooses on top, worked out by the same rule the pipeline applies once the
// dataset is validated, so the UI's form can start from the values a script would get. Both come
// from the train type's task: its plain defaults (src-shared/tasks) and its dataset rule (the
// engine's task registry).

import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { TrainDefaultsView } from '../../src-shared/train-defaults'
import { paramRulesOf } from '../../src-shared/tasks/task-params'
import type { Architecture, TrainParams, TrainType } from '../../src-shared/train-params'
import { localPaths, type Settings } from '../config/settings'
import { loadDataset, type DatasetFacts } from '../dataset/load-dataset'
import { taskModule } from '../engine/tasks/registry'

/**
 * What the dataset chooses for the parameters the caller left unset; nothing for a task whose
 * module is not there to choose.
 */
export function paramsChosenFromDataset(
  facts: DatasetFacts,
  architecture: Architecture,
  trainType: TrainType = 'classification',
): Partial<TrainParams> {
  const chosen: Partial<TrainParams> = { ...taskModule(trainType)?.defaults(facts) }
  // A backbone fixes its own input size.
  if (architecture === 'transfer') delete chosen.imageSize
  return chosen
}

function plainDefaults(client: string, trainType: TrainType): TrainDefaultsView {
  const params: TrainDefaultsView['params'] = {}
  const defaults = paramRulesOf(trainType).defaults
  for (const [key, value] of Object.entries(defaults) as [keyof TrainParams, unknown][])
    if (value !== undefined) (params as Record<string, unknown>)[key] = { value, source: 'default' }
  return { client, trainType, basis: 'not-synced', params }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined
}

export async function trainDefaultsFor(
  settings: Settings,
  client: string,
  trainType: TrainType = 'classification',
): Promise<TrainDefaultsView> {
  const view = plainDefaults(client, trainType)
  const root = localPaths(settings.home, client).dataset
  if (!(await exists(join(root, 'coco'))) && !(await exists(join(root, 'images')))) return view
  const { report, dataset, facts } = await loadDataset(root, {
    trainType,
    maxBadImageRate: settings.maxBadImageRate,
  })
  if (!report.ok || !dataset || !facts) return { ...view, basis: 'invalid' }
  const defaults = paramRulesOf(trainType).defaults
  const chosen = paramsChosenFromDataset(facts, defaults.architecture, trainType)
  // Where the dataset's rule keeps the plain default (small datasets keep the tuned batch size and
  // epochs), the value is the plain default: only a different value is the dataset's choice.
  for (const [key, value] of Object.entries(chosen) as [keyof TrainParams, unknown][])
    if (value !== undefined && value !== defaults[key])
      (view.params as Record<string, unknown>)[key] = { value, source: 'dataset' }
  return { ...view, basis: 'dataset', facts: { ...facts } }
}
