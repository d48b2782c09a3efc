// The predict panel's Chat tab on a local LLM deployment, in a real VS Code, as a user does it: the
// example workspace's "tiny-chat" (examples/scripts/tiny_llm_predictor.py in Hopsworks' vLLM form,
// the offline stand-in model) is started from the palette; its predict panel (from the Deployments
// view) opens on the Chat tab; a question with a system prompt and max tokens streams its answer
// into the conversation (the step ends while tokens still arrive), then shows time to first token,
// tokens/s and usage; a follow-up question is stopped mid-answer with Stop; New conversation empties it.
// Runs on the UI phase's workbench. One screenshot per step.
import type { Frame, Page } from 'playwright-core';
import { dismissNotifications, expandPane, paneRowsText, pollFor, runCommand, viewPane, type Screenshots } from './lib/browser';
import { webviewFrame } from './lib/webview';
import { runSteps, type FlowStep, type StepOutcome } from './lib/steps';

export interface ChatFlowContext {
  page: Page;
  workspace: string;
  screenshots: Screenshots;
}

const NAME = 'tiny-chat';

/** Sets a vscode-textarea / vscode-textfield in the page as typing would (its value, then an input event). */
async function type(frame: Frame, key: string, value: string): Promise<void> {
  await frame.locator(`[data-key="${key}"]`).evaluate((el, v) => {
    (el as unknown as { value: string }).value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

const lastAnswer = (frame: Frame) => frame.locator('.chat-turn').last();

export async function runChatFlow(ctx: ChatFlowContext): Promise<StepOutcome[]> {
  const { page } = ctx;
  let chat: Frame | undefined;

  const steps: FlowStep[] = [
    ['"Start Deployment" on tiny-chat (an LLM predictor script) in the Deployments view: it shows running', 'chat-started', async () => {
      await runCommand(page, 'View: Close All Editor Groups');
      // The ModelDeck side bar, unless an earlier flow left it open (clicking its icon again would close it).
      if (!(await viewPane(page, 'Deployments').locator('.pane-header').first().isVisible().catch(() => false))) {
        await page.locator('.part.activitybar .action-item a[aria-label^="ModelDeck"]').first().click({ timeout: 60_000 });
      }
      const pane = await expandPane(page, 'Deployments');
      const row = pane.locator('.monaco-list-row', { hasText: `${NAME} ` }).first();
      await row.waitFor({ state: 'visible', timeout: 60_000 });
      if (!(await paneRowsText(pane)).some((r) => r.startsWith(`${NAME} `) && /running/.test(r))) {
        await row.hover();
        await row.locator('.action-label[aria-label="Start Deployment"]').first().click();
      }
      await pollFor(`${NAME} running in the Deployments view`, 90_000, async () => ((await paneRowsText(pane)).some((r) => r.startsWith(`${NAME} `) && /running/.test(r)) ? true : undefined));
      await dismissNotifications(page);
    }],
    ['its predict panel opens on the Chat tab (the server lists it on /openai/v1/models)', 'chat-tab', async () => {
      const pane = await expandPane(page, 'Deployments');
      const row = pane.locator('.monaco-list-row', { hasText: `${NAME} ` }).first();
      await row.hover();
      await row.locator('.action-label[aria-label="Open Predict Panel"]').first().click();
      chat = await webviewFrame(page, 'predict.js', `Predict: ${NAME}`);
      await runCommand(page, 'View: Close Primary Side Bar');
      await pollFor('the Chat tab shown and selected', 30_000, async () => {
        const tabs = await chat!.locator('.page-tabs').isVisible();
        const selected = await chat!.locator('.page-tab[data-tab="chat"]').getAttribute('aria-selected');
        const pane = await chat!.locator('section.chat').isVisible();
        return tabs && selected === 'true' && pane ? true : undefined;
      });
    }],
    ['a question with a system prompt and max tokens streams its answer token by token', 'chat-streaming', async () => {
      await type(chat!, 'chat-system', 'You are a terse assistant.');
      await type(chat!, 'chat-max-tokens', '80');
      await type(chat!, 'chat-question', 'What does the chat tab do?');
      await chat!.locator('vscode-button[data-action="chat-send"]').click();
      // Ends as soon as text shows while the answer is still streaming: the screenshot shows it growing.
      await pollFor('the first tokens of the answer', 30_000, async () => {
        const text = await lastAnswer(chat!).locator('[data-key="chat-answer"]').innerText();
        const stats = await lastAnswer(chat!).locator('[data-key="chat-stats"]').innerText();
        if (/failed|error|not running/i.test(stats)) throw new Error(`the answer failed: ${stats}`);
        return text.trim().length > 0 ? true : undefined;
      }, 50);
    }],
    ['the answer completes with time to first token, tokens/s and usage', 'chat-answered', async () => {
      const stats = await pollFor('the answer\'s numbers', 60_000, async () => {
        const s = await lastAnswer(chat!).locator('[data-key="chat-stats"]').innerText();
        return /tokens\/s/.test(s) ? s : undefined;
      });
      if (!/first token \d+ ms/.test(stats) || !/tokens: \d+ prompt \+ \d+ completion/.test(stats)) throw new Error(`stats line: ${stats}`);
      const question = await lastAnswer(chat!).locator('.chat-user').innerText();
      if (!question.includes('What does the chat tab do?')) throw new Error(`question shown: ${question}`);
    }],
    ['a follow-up is stopped mid-answer with Stop: the answer keeps what arrived and says "stopped"', 'chat-stopped', async () => {
      await type(chat!, 'chat-max-tokens', '2000');
      await type(chat!, 'chat-question', 'Tell me more about the model.');
      await chat!.locator('vscode-button[data-action="chat-send"]').click();
      await pollFor('the follow-up streaming', 30_000, async () => ((await lastAnswer(chat!).locator('[data-key="chat-answer"]').innerText()).trim().length > 0 ? true : undefined), 50);
      await chat!.locator('vscode-button[data-action="chat-stop"]').click();
      const stats = await pollFor('"stopped" under the answer', 30_000, async () => {
        const s = await lastAnswer(chat!).locator('[data-key="chat-stats"]').innerText();
        return /stopped/.test(s) ? s : undefined;
      });
      if (/2000 completion/.test(stats)) throw new Error(`the answer ran to the end: ${stats}`);
      const turns = await chat!.locator('.chat-turn').count();
      if (turns !== 2) throw new Error(`${turns} turns in the conversation, expected 2`);
    }],
    ['New conversation empties it', 'chat-cleared', async () => {
      await chat!.locator('vscode-button[data-action="chat-clear"]').click();
      await pollFor('an empty conversation', 15_000, async () => ((await chat!.locator('.chat-turn').count()) === 0 ? true : undefined));
    }, false],
  ];
  return runSteps(page, ctx.screenshots, steps);
}
