/**
 * The student README of a handout (`hai assign`): Korean first, then English. Two commands to install, where to
 * start, how to submit, and what smoke mode and the stand-in models mean on a machine without internet or GPU.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */

export interface HandoutReadmeInfo {
  /** The course's title line. */
  title: string;
  /** The student notebooks, in order (file names in notebooks/). */
  notebooks: string[];
  /** Exercises per notebook file: ids and points. */
  exercises: { notebook: string; id: string; points: number }[];
  /** How the kit is installed: the tarball's file name, or the published version. */
  kit: string;
}

const list = (i: HandoutReadmeInfo, lang: 'ko' | 'en') =>
  i.notebooks
    .map((n) => {
      const ex = i.exercises.filter((e) => e.notebook === n);
      const what = ex.length
        ? ex.map((e) => `${e.id} (${e.points}${lang === 'ko' ? '점' : ' pt'})`).join(', ')
        : lang === 'ko'
          ? '연습 없음'
          : 'no exercises';
      return `- \`notebooks/${n}\`: ${what}`;
    })
    .join('\n');

/** The README.md text. */
export function handoutReadme(i: HandoutReadmeInfo): string {
  const total = i.exercises.reduce((a, e) => a + e.points, 0);
  const first = i.notebooks[0] ?? '00_setup.ipynb';
  return `# ${i.title}

한국어 안내가 먼저, English follows.

## 설치 (두 명령)

Node.js 20 이상과 Jupyter(Notebook, JupyterLab 또는 VS Code)가 필요합니다. 이 폴더에서:

\`\`\`sh
npm ci                    # 강좌 키트(${i.kit})와 의존 패키지를 설치합니다
npx hai kernel install    # Jupyter에 TypeScript 커널 "TypeScript (HAI Dialect Lab)"을 등록합니다
\`\`\`

그다음 \`jupyter notebook notebooks/\` (또는 \`jupyter lab\`, VS Code)로 열고 커널 "TypeScript (HAI Dialect Lab)"을
고릅니다. **\`notebooks/${first}\`부터 시작하세요.** 노트북은 번호 순서대로 진행합니다. 학습 결과는 \`runs/\`에
쌓이고, 자료는 \`data/\`에 있습니다.

## 연습 문제

연습 셀은 \`// @exercise <번호> points=<점수>\` 줄로 시작합니다. \`// YOUR CODE HERE\` 자리에 코드를 쓰고
\`throw hai.todo(…)\` 줄을 지우세요. 아직 풀지 않은 연습이 있으면 "Run All"은 그 연습을 부르는 셀에서
\`TodoError: TODO(<번호>): …\` 한 줄로 멈춥니다. 오류가 아니라 "여기부터 하세요"라는 뜻입니다. 뒤의 셀이
앞의 연습을 쓰면 같은 한 줄이 어느 연습이 필요한지 알려 줍니다. \`// @tests <번호>\` 셀은 공개 테스트입니다.
연습은 모두 ${i.exercises.length}개, ${total}점입니다.

${list(i, 'ko')}

## 제출

풀이를 쓴 노트북 파일(\`notebooks/NN_*.ipynb\`)을 저장해 강의에서 안내한 곳에 그대로 냅니다. 파일 이름과
\`// @exercise\` 줄은 바꾸지 마세요. 채점기는 노트북을 새 커널에서 처음부터 다시 실행하고, 공개 테스트와
숨은 테스트를 연습마다 돌립니다. 저장된 출력은 점수에 쓰이지 않습니다.

## 인터넷이나 GPU가 없을 때

- **스모크 모드** (\`HAI_SMOKE=1\`): 행 몇 백 개, 짧은 학습으로 노트북 전체가 몇 분 안에 끝납니다. 숫자는 방향만
  보여 줍니다. 예: \`HAI_SMOKE=1 jupyter notebook notebooks/\`, 또는 헤드리스로
  \`npx hai nb run --smoke notebooks/${first}\`.
- **대역 모델 (stand-in)**: 사전학습 모델(KoBERT, KoELECTRA 등)을 Hugging Face에서 받을 수 없으면, 같은 구조의
  작은 모델을 강좌 말뭉치로 만든 토크나이저와 함께 무작위로 초기화해 씁니다 (\`HAI_STANDIN=1\`, 스모크 모드에서는
  자동). 불러올 때마다 사전학습 모델이 아니라는 배너가 나옵니다. 정확도는 원래 강좌의 값과 다릅니다.
- GPU가 없으면 CPU(WebAssembly 백엔드)에서 돌아갑니다. \`npx hai doctor\`가 무엇을 쓰는지 보여 줍니다.

---

# ${i.title} (English)

## Install (two commands)

You need Node.js 20 or newer and Jupyter (Notebook, JupyterLab or VS Code). In this folder:

\`\`\`sh
npm ci                    # installs the course kit (${i.kit}) and its dependencies
npx hai kernel install    # registers the TypeScript kernel "TypeScript (HAI Dialect Lab)" with Jupyter
\`\`\`

Then open \`jupyter notebook notebooks/\` (or \`jupyter lab\`, or VS Code) and pick the kernel "TypeScript (HAI
Dialect Lab)". **Start with \`notebooks/${first}\`** and go in order. Training runs write to \`runs/\`; the data is
in \`data/\`.

## Exercises

An exercise cell starts with \`// @exercise <id> points=<n>\`. Write your code where it says \`// YOUR CODE HERE\` and
delete the \`throw hai.todo(…)\` line. While an exercise is unsolved, Run All stops at the cell that calls it with
one line, \`TodoError: TODO(<id>): …\`: not a crash, just "continue here". A later cell that needs an earlier exercise
stops with the same line, naming the exercise. \`// @tests <id>\` cells are the public tests. There are
${i.exercises.length} exercises, ${total} points:

${list(i, 'en')}

## Submitting

Save the notebooks you worked in (\`notebooks/NN_*.ipynb\`) and hand them in where your course says. Keep the file
names and the \`// @exercise\` lines. The grader runs each notebook again from the top in a fresh kernel and runs
the public and hidden tests of each exercise; saved outputs do not count.

## Without internet or GPU

- **Smoke mode** (\`HAI_SMOKE=1\`): a few hundred rows and short runs, so a whole notebook takes minutes; the numbers
  only show directions. E.g. \`HAI_SMOKE=1 jupyter notebook notebooks/\`, or headless:
  \`npx hai nb run --smoke notebooks/${first}\`.
- **Stand-in models**: when a pre-trained model (KoBERT, KoELECTRA, …) cannot be downloaded from Hugging Face, a small
  model of the same architecture, randomly initialised, with a tokenizer trained on the course corpus, takes its
  place (\`HAI_STANDIN=1\`; automatic in smoke mode). Every load prints a banner saying it is not the pre-trained
  model; its accuracy is not the original course's.
- Without a GPU everything runs on the CPU (the WebAssembly backend); \`npx hai doctor\` shows what is used.
`;
}
