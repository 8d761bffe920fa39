/**
 * The Hugging Face access token, for gated or private models: kept in VS Code's secret storage
 * (the OS keychain), never in settings. The worker receives it with each download request (never
 * in its environment or argv) and sends it to the Hub only, as huggingface_hub does.
 */
import * as vscode from 'vscode';

export const SET_HUB_TOKEN_COMMAND = 'textAnalytics.setHubToken';
export const CLEAR_HUB_TOKEN_COMMAND = 'textAnalytics.clearHubToken';

/** The key in `context.secrets`. */
const SECRET_KEY = 'textAnalytics.huggingFaceToken';

/**
 * Why `value` is not a token, or undefined when it may be one. Pure, for the input box. Hub tokens
 * are one word (`hf_…`); the Hub itself decides whether it is valid.
 */
export function hubTokenProblem(value: string): string | undefined {
  const token = value.trim();
  if (token.length === 0) return 'Paste a token from huggingface.co/settings/tokens.';
  if (/\s/.test(token)) return 'A token is one word, without spaces.';
  return undefined;
}

export class HubToken implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.disposables = [
      vscode.commands.registerCommand(SET_HUB_TOKEN_COMMAND, () => this.set()),
      vscode.commands.registerCommand(CLEAR_HUB_TOKEN_COMMAND, () => this.clear()),
    ];
  }

  /** The token, if the user set one. */
  async get(): Promise<string | undefined> {
    return (await this.secrets.get(SECRET_KEY))?.trim() || undefined;
  }

  async set(): Promise<void> {
    const value = await vscode.window.showInputBox({
      title: 'Hugging Face Token',
      prompt: 'A token with read access, for gated or private models. It is kept in VS Code\'s secret storage and sent to huggingface.co only.',
      placeHolder: 'hf_…',
      password: true,
      ignoreFocusOut: true,
      validateInput: hubTokenProblem,
    });
    if (value === undefined || hubTokenProblem(value)) return;
    await this.secrets.store(SECRET_KEY, value.trim());
    void vscode.window.showInformationMessage('Text Analytics: the Hugging Face token is saved; downloads from the Hub use it from now on.');
  }

  async clear(): Promise<void> {
    const had = (await this.get()) !== undefined;
    await this.secrets.delete(SECRET_KEY);
    void vscode.window.showInformationMessage(
      had ? 'Text Analytics: the Hugging Face token is removed; downloads from the Hub go without it.' : 'Text Analytics: no Hugging Face token was set.',
    );
  }

  dispose(): void {
    for (const disposable of this.disposables.splice(0)) disposable.dispose();
  }
}
