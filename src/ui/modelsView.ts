/**
 * The Models view (`textAnalytics.models`, beside Questions): each default-model task with where
 * its model comes from, its Hub id and revision, its size and state, and the actions that set it
 * up (Download, Use Folder…, Reveal, Remove); the view's title has *Download all* and *Use a folder
 * for all*, and its last line says how much the download cache uses. The facts come from the
 * worker (`download` with `plan: true`: it knows the settings, the bundled folder and the cache);
 * the rows' wording from src/views/modelsTree.ts.
 */
import * as vscode from 'vscode';
import type { Config } from '../config';
import { DEFAULT_MODEL_TASKS, REGISTRY, type DefaultModelTask } from '../tasks/registry';
import { folderBytes } from '../engine/modelFiles';
import type { DownloadResult } from '../protocol';
import { diskUseText, modelRow, type DetailRow, type ModelRow } from '../views/modelsTree';

/** What the view reads its facts from (ModelCommands, src/commands/models.ts). */
export interface ModelFacts {
  plans(): Promise<Array<{ task: DefaultModelTask; plan?: DownloadResult; problem?: string }>>;
  /** Models were downloaded, removed or pointed elsewhere. */
  readonly onDidChangeModels: vscode.Event<void>;
}

type Node = { kind: 'task'; row: ModelRow } | { kind: 'detail'; task: string; detail: DetailRow } | { kind: 'disk'; text: string };

const STATE_ICONS: Record<ModelRow['state'], vscode.ThemeIcon> = {
  present: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  missing: new vscode.ThemeIcon('cloud-download'),
  partial: new vscode.ThemeIcon('debug-pause'),
  unusable: new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground')),
};

export class ModelsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  static readonly viewType = 'textAnalytics.models';
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** The rows being read now: one reading at a time, whatever asks for the tree. */
  private reading?: Promise<Node[]>;

  constructor(
    private readonly models: ModelFacts,
    private readonly config: () => Config,
  ) {
    this.disposables.push(
      models.onDidChangeModels(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('textAnalytics')) this.refresh();
      }),
    );
  }

  refresh(): void {
    this.reading = undefined;
    this.changed.fire(undefined);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'disk') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon('database');
      item.contextValue = 'modelsDiskUse';
      return item;
    }
    if (node.kind === 'detail') {
      const item = new vscode.TreeItem(`${node.detail.label}: ${node.detail.value}`, vscode.TreeItemCollapsibleState.None);
      item.tooltip = `${node.detail.label}: ${node.detail.value}`;
      item.contextValue = 'modelDetail';
      return item;
    }
    const { row } = node;
    // One line per task, so that every task and the disk line fit the pane; the facts are in the
    // tooltip and under the row when it is expanded.
    const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `model:${row.task}`;
    item.description = row.description;
    item.tooltip = new vscode.MarkdownString(row.details.map((d) => `**${d.label}:** ${escapeMarkdown(d.value)}`).join('  \n'));
    item.iconPath = STATE_ICONS[row.state];
    item.contextValue = row.contextValue;
    item.accessibilityInformation = { label: `${row.label}: ${row.description}` };
    return item;
  }

  getChildren(node?: Node): vscode.ProviderResult<Node[]> {
    if (!node) return (this.reading ??= this.read());
    if (node.kind === 'task') return node.row.details.map((detail) => ({ kind: 'detail', task: node.row.task, detail }));
    return [];
  }

  /** The task a command from the view was run on (its row or one of its fact lines). */
  static taskOf(node: unknown): DefaultModelTask | undefined {
    const task = (node as { row?: ModelRow } | undefined)?.row?.task ?? (node as { task?: string } | undefined)?.task;
    return DEFAULT_MODEL_TASKS.find((t) => t === task);
  }

  private async read(): Promise<Node[]> {
    const locale = vscode.env.language;
    const plans = await this.models.plans();
    const nodes: Node[] = [];
    for (const { task, plan, problem } of plans) {
      const bytes = plan?.model ? await folderBytes(plan.model.dir) : undefined;
      nodes.push({ kind: 'task', row: modelRow({ task, title: REGISTRY[task].title, plan, problem, bytes }, locale) });
    }
    const cacheDir = this.config().modelCacheDir;
    nodes.push({ kind: 'disk', text: diskUseText(await folderBytes(cacheDir), cacheDir, locale) });
    return nodes;
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}

/** Folder names and Hub ids are outside text: shown as written, never as Markdown. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
